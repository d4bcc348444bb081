import type { OnCallSchedule } from '../../core/policy.js';
import type { Logger, OnCallAnswer, OnCallDirectory } from '../../usecases/ports.js';
import { CONFIRM_SHARE_WINDOW_MS, CONFIRM_TIMEOUT_MS, withTimeout } from '../slack/approver-directory.js';
import { UserLookupError } from '../slack/users-by-email.js';
import { OnCallError } from './on-call-error.js';

/** Who is on call now in one service's schedule, as emails; throws OnCallError. */
export type OnCallLookup = (schedule: string) => Promise<string[]>;

/** Slack users by email (SlackUsersByEmail). */
export interface UsersByEmail {
  userOf(email: string): Promise<string | undefined>;
}

/** A card, a reminder or the Home tab may show who was on call this long ago. */
export const SNAPSHOT_TTL_MS = 60_000;

const SERVICE_NAMES = { pagerduty: 'PagerDuty', opsgenie: 'Opsgenie' } as const;

interface Lookup {
  sentAt: number;
  answer: Promise<OnCallAnswer>;
}

/**
 * Who is on call, from the services whose keys are configured, mapped to Slack users by email. A decision
 * takes `confirm`: a lookup sent after the click (or joined within CONFIRM_SHARE_WINDOW_MS of its sending),
 * never a kept answer, since a shift may have ended a minute ago. What only shows who is on call takes
 * `snapshot`, at most SNAPSHOT_TTL_MS old.
 */
export class ScheduleOnCallDirectory implements OnCallDirectory {
  private readonly inFlight = new Map<string, Lookup>();
  private readonly snapshots = new Map<string, { answer: OnCallAnswer; at: number }>();

  constructor(
    private readonly lookups: Partial<Record<OnCallSchedule['service'], OnCallLookup>>,
    private readonly users: UsersByEmail,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly timeoutMs = CONFIRM_TIMEOUT_MS,
  ) {}

  async confirm(schedule: OnCallSchedule): Promise<OnCallAnswer> {
    const shared = this.inFlight.get(keyOf(schedule));
    const recent = shared !== undefined && this.now() - shared.sentAt <= CONFIRM_SHARE_WINDOW_MS;
    return (recent ? shared : this.lookUp(schedule)).answer;
  }

  async snapshot(schedule: OnCallSchedule): Promise<OnCallAnswer> {
    const kept = this.snapshots.get(keyOf(schedule));
    if (kept && this.now() - kept.at < SNAPSHOT_TTL_MS) return kept.answer;
    return (this.inFlight.get(keyOf(schedule)) ?? this.lookUp(schedule)).answer;
  }

  private lookUp(schedule: OnCallSchedule): Lookup {
    const key = keyOf(schedule);
    const lookup: Lookup = { sentAt: this.now(), answer: this.answer(schedule) };
    this.inFlight.set(key, lookup);
    void lookup.answer.then((answer) => {
      if (this.inFlight.get(key) === lookup) this.inFlight.delete(key);
      this.snapshots.set(key, { answer, at: this.now() });
    });
    return lookup;
  }

  /** Never rejects: every failure is an answer that names the schedule's service and says why. */
  private async answer(schedule: OnCallSchedule): Promise<OnCallAnswer> {
    const name = SERVICE_NAMES[schedule.service];
    const lookup = this.lookups[schedule.service];
    if (!lookup) return { ok: false, reason: `no ${name} API key is configured` };
    const users = await withTimeout(this.usersOnCall(lookup, schedule), this.timeoutMs).catch(
      (error: unknown) => {
        const reason = reasonOf(error, name);
        this.logger.warn('could not read who is on call', { ...schedule, reason });
        return { reason };
      },
    );
    if (users === undefined) return { ok: false, reason: `${name} did not answer in time` };
    if ('reason' in users) return { ok: false, reason: users.reason };
    return { ok: true, users: users.ids };
  }

  private async usersOnCall(lookup: OnCallLookup, schedule: OnCallSchedule): Promise<{ ids: string[] }> {
    const emails = await lookup(schedule.schedule);
    const ids = await Promise.all(emails.map((email) => this.users.userOf(email)));
    const missing = emails.filter((_, index) => ids[index] === undefined);
    if (missing.length > 0) {
      this.logger.warn('people on call have no Slack user with their email', { ...schedule, missing });
    }
    return { ids: [...new Set(ids.filter((id): id is string => id !== undefined))] };
  }
}

function keyOf(schedule: OnCallSchedule): string {
  return `${schedule.service}:${schedule.schedule}`;
}

function reasonOf(error: unknown, service: string): string {
  if (error instanceof OnCallError) return error.message;
  if (error instanceof UserLookupError)
    return `Slack could not match the people on call by email (${error.code})`;
  return `${service} could not be read`;
}
