import {
  distributionIds,
  type InvalidationRequest,
  nextStep,
  type RequestIn,
  reminderDue,
  watchdog,
} from '../core/request.js';
import { addMs } from '../core/schedule.js';
import { runChoiceStep } from './choose.js';
import { postDigests } from './digest.js';
import { expireRequest } from './expire.js';
import { type OriginWatchServices, watchOrigin } from './origin-watch.js';
import { type PollServices, pollDistribution, pollItself } from './poll.js';
import type { Services, Task } from './ports.js';
import { postCard } from './post-card.js';
import { type ProposalServices, runProposalStep } from './proposals.js';
import { reconcileTask } from './reconcile.js';
import { redrawStaleCard } from './redraw-stale-card.js';
import { sendNotice } from './send-notice.js';
import { SlackLane } from './slack-lane.js';
import { type SubmitServices, submitInTurn } from './submit.js';

/** What running due work uses: exactly what the steps it dispatches to take. */
export type DueWorkServices = SubmitServices &
  PollServices &
  Parameters<typeof reconcileTask>[0] &
  Parameters<typeof postCard>[0] &
  Parameters<typeof sendNotice>[0] &
  Parameters<typeof redrawStaleCard>[0] &
  Parameters<typeof expireRequest>[0] &
  Parameters<typeof postDigests>[0] &
  ProposalServices &
  OriginWatchServices &
  Pick<Services, 'clock' | 'logger' | 'operations' | 'requests' | 'work' | 'workerId'>;

/** Most requests taken in one run; a full batch means the caller should run again at once. */
export const WORK_BATCH = 100;
/** Steps of different requests (or distributions) run side by side, this many at a time. */
const CONCURRENCY = 8;
/** The Slack lane's steps (redraws, notices) run side by side, this many requests' at a time. */
export const SLACK_LANE_WIDTH = 4;

/** A Slack lane for a caller that keeps none of its own; their failures are logged (a notice reschedules itself). */
export function newSlackLane(services: Pick<Services, 'logger'>): SlackLane {
  return new SlackLane(SLACK_LANE_WIDTH, (error, requestId) =>
    services.logger.error('a Slack step of due work failed', { requestId, error }),
  );
}

/** The CloudWatch metric (infra/lib/alarms.ts alarms on it) of due items set aside as unreadable. */
export const DUE_WORK_METRICS = { unreadable: 'UnreadableItems' } as const;

/**
 * Runs the work that is due now: post a card whose poster died (or left it to a worker), redraw a card
 * marked stale, submit, poll, send thread notices, remind,
 * expire. Any number of processes may call this on one table: each request is claimed with a conditional
 * lease first. The server's loop and a scheduled worker both call exactly this. Returns how many were due.
 *
 * The Slack side of the work goes to `slackLane`. The server's loop passes the ones it keeps, and does
 * not wait for them, so its next run need not wait for a slow Slack; without them, this run waits for its
 * own Slack lane's steps before it returns (a worker on Lambda must not return with work going on).
 *
 * With `ahead`, the same query also looks `ahead.ms` past now, and the earliest work due in that time
 * goes to `ahead.next`: a loop can rest until then instead of asking again and again.
 *
 * `handed` are requests this process holds the lease of already (`Services.take`): their steps run with
 * the rest; with `look: false` they run alone, without a look at the table.
 */
export async function runDueWork(
  services: DueWorkServices,
  slackLane?: SlackLane,
  ahead?: { ms: number; next(dueAt: string): void },
  handed: { taken: readonly InvalidationRequest[]; look: boolean } = { taken: [], look: true },
): Promise<number> {
  const { clock, workerId, operations } = services;
  const lane = slackLane ?? newSlackLane(services);
  const now = clock.now();
  const looked = handed.look ? await services.work.due(ahead ? addMs(now, ahead.ms) : now, WORK_BATCH) : [];
  const due = looked.filter((work) => work.dueAt <= now);
  const later = looked.find((work) => work.dueAt > now);
  if (ahead && later) ahead.next(later.dueAt);
  const until = addMs(now, operations.workLeaseSeconds * 1000);
  const claimed: InvalidationRequest[] = [...handed.taken];
  const steps: Array<() => Promise<void>> = [];
  for (const work of due) {
    if (work.kind === 'unreadable') {
      services.logger.error('a due item could not be read; it was set aside, kept in the table', {
        key: work.key,
        problem: work.problem,
      });
      services.metrics.count(DUE_WORK_METRICS.unreadable);
    } else if (work.kind === 'task') {
      if (await services.work.claimTask(work.task, workerId, now, until))
        steps.push(() => runTask(services, work.task, work.dueAt, lane));
    } else if (work.kind === 'proposal') {
      const { proposal } = work;
      if (!lane.holds(proposal.id) && (await services.work.claimProposal(proposal, workerId, now, until)))
        lane.add(proposal.id, () => runProposalStep(services, proposal));
    } else if (await services.work.claim(work.request, workerId, now, until)) {
      // With a Slack step for it still waiting here, the claim only moves it out of the head of the due
      // work (so it neither hides what is due behind it nor makes this run look full) until that has run.
      if (!lane.holds(work.request.id)) claimed.push(work.request);
    }
  }
  // Submissions to one distribution go one at a time, so this process never overruns CloudFront's
  // per-distribution limits by racing itself.
  const submissions = new Map<string, Array<RequestIn<'approved' | 'queued'>>>();
  const join = <R extends InvalidationRequest>(
    groups: Map<string, R[]>,
    request: R,
    run: (group: R[]) => Promise<void>,
  ) => {
    const group = groups.get(request.distribution.id) ?? [];
    if (group.length === 0) steps.push(() => run(group));
    group.push(request);
    groups.set(request.distribution.id, group);
  };
  for (const request of claimed) {
    const step = nextStep(request, now);
    switch (step.kind) {
      case 'send_notice':
        lane.add(request.id, () => sendNotice(services, step.request));
        break;
      case 'redraw_card':
        lane.add(request.id, () => redrawStaleCard(services, step.request));
        break;
      case 'post_card':
        // The request's own handler died or Slack failed: its card may or may not be in the channel.
        lane.add(request.id, async () => void (await postCard(services, step.request, { retry: true })));
        break;
      case 'submit':
        join(submissions, step.request, (group) => submitInTurn(services, group, lane));
        break;
      case 'expire':
        steps.push(() => expireRequest(services, step.request));
        break;
      case 'go_as_is':
      case 'count_down':
        lane.add(request.id, () => runChoiceStep(services, step.request));
        break;
      case 'remind':
        steps.push(() => remind(services, step.request, lane));
        break;
      case 'watch':
        steps.push(() =>
          step.request.pollsItself ? pollItself(services, step.request, lane) : watch(services, step.request),
        );
        break;
      case 'none':
        break;
      default: {
        const unreachable: never = step;
        throw new Error(`unknown step ${JSON.stringify(unreachable)}`);
      }
    }
  }
  await runLimited(steps, CONCURRENCY, (error) =>
    // The lease runs out and the step is tried again; nothing was recorded as done.
    services.logger.error('a step of due work failed', { error }),
  );
  if (!slackLane) await lane.idle();
  return due.length + handed.taken.length;
}

function runTask(
  services: DueWorkServices,
  task: Task,
  claimedDueAt: string,
  lane: SlackLane,
): Promise<void> {
  switch (task.kind) {
    case 'poll':
      return pollDistribution(services, task.distributionId, claimedDueAt, lane);
    case 'reconcile':
      return reconcileTask(services, task.distributionId, claimedDueAt);
    case 'digest':
      return postDigests(services, claimedDueAt);
    case 'origin':
      return watchOrigin(services, task.distributionId, claimedDueAt);
    default: {
      const unreachable: never = task.kind;
      throw new Error(`unknown task ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The watchdog: make sure the poll of each of its distributions is scheduled, and look again later. */
async function watch(services: DueWorkServices, request: RequestIn<'in_progress'>): Promise<void> {
  for (const distributionId of distributionIds(request.distribution))
    await services.work.scheduleTask({ kind: 'poll', distributionId }, services.clock.now());
  await services.requests.save({ request: watchdog(request, services.clock.now()) });
}

/** Halfway to expiry with nobody having decided: the reminder to the approvers is due. */
async function remind(
  services: DueWorkServices,
  request: RequestIn<'pending_approval'>,
  lane: SlackLane,
): Promise<void> {
  const transition = reminderDue(request, services.clock.now());
  if (await services.requests.save(transition))
    lane.add(request.id, () => sendNotice(services, transition.request));
}

/** Runs the tasks, at most `limit` at a time; a task's failure goes to `onError` and the others go on. */
async function runLimited(
  tasks: ReadonlyArray<() => Promise<void>>,
  limit: number,
  onError: (error: unknown) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      await task?.().catch(onError);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
