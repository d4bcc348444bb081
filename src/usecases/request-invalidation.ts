import { distance } from 'fastest-levenshtein';
import { type DistributionConfig, findDistribution, type PolicyConfig } from '../config.js';
import { accountPathLimit, type BudgetOverrun } from '../core/budgets.js';
import { cheaperForms, hasCheaperForm, type Priced } from '../core/cheaper.js';
import {
  type CommandError,
  EXPORT_FORMATS,
  type ExportFormat,
  parseCommand,
  RESERVED_WORDS,
} from '../core/command.js';
import { previewCost } from '../core/cost.js';
import { type Item, itemOf, pathOf } from '../core/hosts.js';
import { MAX_ITEM_BYTES } from '../core/item-size.js';
import { normalisePaths, type PathNormalisation, type PathProblem, splitPaths } from '../core/paths.js';
import { approvalNeed } from '../core/policy.js';
import {
  billedPaths,
  CARD_RETRY_MS,
  createRequest,
  type NewRequest,
  offersOf,
  type PipelineSource,
  type RequestIn,
  requestDistribution,
} from '../core/request.js';
import { largestRequestBytes, type RequestSizeInput, splitAdvice } from '../core/request-size.js';
import { err, ok, type Result } from '../core/result.js';
import { type Candidate, nearest } from '../core/suggest.js';
import { memberOf } from './membership.js';
import { type FollowUps, type PostError, RequestExistsError, type Services } from './ports.js';
import { recordCommandRefusal } from './record-refusal.js';
import {
  checkCacheTags,
  checkHosts,
  chooseByHosts,
  type HostAnswers,
  type HostRefusal,
  lookUpHosts,
  type TagRefusal,
} from './request-targets.js';
import { releaseReservation, reserveNewRequest } from './reservations.js';

/**
 * Why a command was not accepted. A mistake in what was typed records nothing; `channel_not_allowed` (the
 * distribution may not be requested from here) is recorded for audit by `recordUnauthorizedCommand`.
 */
export type CommandRefusal =
  /** `meant`: the word a mistyped one was probably meant to be, where one is near (`jsn` for `json`) */
  | { code: 'bad_command'; error: CommandError; meant?: string }
  | { code: 'unknown_distribution'; target: string; known: DistributionConfig[]; suggestion?: Suggestion }
  /** `host`: the pasted URL's host that named the distribution, when no alias was typed */
  | { code: 'channel_not_allowed'; distribution: DistributionConfig; host?: string }
  | HostRefusal
  | TagRefusal
  | { code: 'invalid_paths'; problems: PathProblem[] }
  | { code: 'too_many_paths'; count: number; max: number }
  | {
      code: 'too_large';
      bytes: number;
      max: number;
      paths: number;
      /** items typed that repeat a path or are covered by a wildcard: recorded as notes, so they count too */
      repeated: number;
      split: SplitAdvice;
    };

export type SplitAdvice = ReturnType<typeof splitAdvice>;

/**
 * What a mistyped first word was probably meant to be: a configured alias, or a sub-command, with the
 * words typed after it (`rest`, as split into items) so the answer can show the command corrected.
 */
export type Suggestion =
  | { kind: 'distribution'; alias: string }
  | { kind: 'command'; command: string; rest: string };

export type PreparedCommand =
  | { kind: 'help' }
  | { kind: 'cancel'; requestId: string }
  | { kind: 'status'; requestId: string }
  | { kind: 'list'; distribution?: DistributionConfig; mine: boolean }
  | { kind: 'usage'; month?: string }
  | { kind: 'export'; month?: string; format: ExportFormat }
  | {
      kind: 'invalidate';
      distribution: DistributionConfig;
      normalised: PathNormalisation;
      reason?: string;
      /** the command's text as typed, recorded (cut) if the requester turns out not to be allowed */
      text: string;
      /** the pasted URL's host that named the distribution, when no alias was typed */
      host?: string;
    };

/**
 * Checks a `/invalidate` command. It touches no service unless it must: a URL whose host is not in the
 * config's `domains` reads CloudFront's listing, and `#tag` items the distribution's configuration, each
 * cached and bounded in time (usecases/distribution-facts.ts), so it answers within Slack's 3-second
 * acknowledgement window. https://api.slack.com/interactivity/slash-commands#responding_basic_receipt
 */
export async function prepareCommand(
  services: Pick<Services, 'policy' | 'facts'>,
  text: string,
  channel: string,
): Promise<Result<PreparedCommand, CommandRefusal>> {
  const { policy } = services;
  const parsed = parseCommand(text, splitPaths);
  if (!parsed.ok) return err(badCommandRefusal(policy, parsed.error));
  const command = parsed.value;
  if (command.kind === 'list') return prepareList(policy, command);
  if (command.kind !== 'invalidate') return ok(command);
  const items = command.items.map(itemOf);
  const answers = await lookUpHosts(services.facts, items);
  const target = targetOf(policy, command.target, command.items, answers);
  if (!target.ok) return target;
  const { distribution, host } = target.value;
  if (distribution.channels && !distribution.channels.includes(channel)) {
    return err({ code: 'channel_not_allowed', distribution, ...(host ? { host } : {}) });
  }
  const prepared = await checkItems(services, distribution, { items, answers }, command.reason, text);
  if (!prepared.ok || !host) return prepared;
  return ok({ ...prepared.value, host });
}

/** The distribution a command names: by its alias or id, else by the host of its URLs. */
function targetOf(
  policy: PolicyConfig,
  target: string | undefined,
  items: readonly string[],
  answers: HostAnswers,
): Result<{ distribution: DistributionConfig; host?: string }, CommandRefusal> {
  if (target !== undefined) {
    const found = findDistribution(policy, target);
    return found ? ok({ distribution: found }) : err(unknownDistribution(policy, target, items, true));
  }
  const chosen = chooseByHosts(answers);
  if (!chosen.ok) return chosen;
  // parseCommand leaves the target out only when the first item is a URL, so there is one.
  return chosen.value
    ? ok(chosen.value)
    : err({ code: 'bad_command', error: { code: 'no_paths', target: '' } });
}

type PreparedInvalidation = Extract<PreparedCommand, { kind: 'invalidate' }>;
export type PathCheckRefusal = Extract<
  CommandRefusal,
  { code: 'invalid_paths' | 'too_many_paths' | 'too_large' }
>;
/** Why a request's items were refused, whoever sent them: their paths, their URLs' hosts, their cache tags. */
export type PathsRefusal =
  | PathCheckRefusal
  | Exclude<HostRefusal, { code: 'several_distributions' }>
  | TagRefusal;

/**
 * A request's items for a distribution already chosen (by alias, in the form, by a pipeline): every URL
 * must belong to it, the paths pass prepareInvalidation, and cache tags need a distribution that keeps them.
 */
export async function prepareItems(
  services: Pick<Services, 'policy' | 'facts'>,
  distribution: DistributionConfig,
  texts: readonly string[],
  reason: string | undefined,
  text: string,
): Promise<Result<PreparedInvalidation, PathsRefusal>> {
  const items = texts.map(itemOf);
  const answers = await lookUpHosts(services.facts, items);
  return checkItems(services, distribution, { items, answers }, reason, text);
}

async function checkItems(
  services: Pick<Services, 'policy' | 'facts'>,
  distribution: DistributionConfig,
  { items, answers }: { items: readonly Item[]; answers: HostAnswers },
  reason: string | undefined,
  text: string,
): Promise<Result<PreparedInvalidation, PathsRefusal>> {
  const hosts = checkHosts(answers, distribution);
  if (!hosts.ok) return hosts;
  const prepared = prepareInvalidation(services.policy, distribution, items.map(pathOf), reason, text);
  if (!prepared.ok) return prepared;
  const tags = await checkCacheTags(services.facts, distribution, prepared.value.normalised.paths);
  return tags.ok ? prepared : tags;
}

/**
 * The checks every request's paths pass, typed in Slack or sent by a pipeline: each item valid, no more
 * than a request may hold, and small enough to record with every event it can gather.
 */
export function prepareInvalidation(
  policy: PolicyConfig,
  distribution: DistributionConfig,
  items: readonly string[],
  reason: string | undefined,
  text: string,
): Result<PreparedInvalidation, PathCheckRefusal> {
  const normalised = normalisePaths([...items]);
  if (!normalised.ok) return err({ code: 'invalid_paths', problems: normalised.problems });
  const count = normalised.value.paths.length;
  if (count > policy.maxPathsPerRequest)
    return err({ code: 'too_many_paths', count, max: policy.maxPathsPerRequest });
  const tooLarge = sizeRefusal(distribution, normalised.value, reason);
  if (tooLarge) return err(tooLarge);
  const prepared: PreparedInvalidation = {
    kind: 'invalidate',
    distribution,
    normalised: normalised.value,
    text,
  };
  return ok(reason === undefined ? prepared : { ...prepared, reason });
}

/**
 * A request whose DynamoDB item could pass 400 KB at its largest (paths, notes, every event it can
 * gather) is refused now: accepted, it could be submitted to CloudFront and then never be saved.
 */
function sizeRefusal(
  distribution: DistributionConfig,
  normalised: PathNormalisation,
  reason: string | undefined,
): Extract<CommandRefusal, { code: 'too_large' }> | undefined {
  const { paths, encoded, duplicates, covered } = normalised;
  const input: RequestSizeInput = {
    distribution: requestDistribution(distribution),
    paths,
    notes: { encoded, duplicates, covered },
    approvers: distribution.approvers,
    ...(reason === undefined ? {} : { reason }),
  };
  const bytes = largestRequestBytes(input);
  if (bytes <= MAX_ITEM_BYTES) return undefined;
  const repeated = duplicates.length + covered.length;
  const split = splitAdvice(input);
  return { code: 'too_large', bytes, max: MAX_ITEM_BYTES, paths: paths.length, repeated, split };
}

/**
 * Records a command refused for where it was typed (`channel_not_allowed`); every other refusal is a
 * mistake in the text and records nothing. Called after the refusal was answered: it never changes it.
 */
export async function recordUnauthorizedCommand(
  services: Pick<Services, 'clock' | 'ids' | 'logger' | 'refusals'>,
  refusal: CommandRefusal,
  context: { user: string; channel: string; text: string },
): Promise<void> {
  if (refusal.code !== 'channel_not_allowed') return;
  const { alias, id } = refusal.distribution;
  await recordCommandRefusal(services, { ...context, distribution: { alias, id }, code: refusal.code });
}

function prepareList(
  policy: PolicyConfig,
  command: { target?: string; mine: boolean },
): Result<PreparedCommand, CommandRefusal> {
  if (command.target === undefined) return ok({ kind: 'list', mine: command.mine });
  const distribution = findDistribution(policy, command.target);
  if (!distribution) return err(unknownDistribution(policy, command.target, [], false));
  return ok({ kind: 'list', distribution, mine: command.mine });
}

/**
 * A first word with no paths after it is asked for paths, unless it is no distribution but close to a
 * known word (`/invalidate stauts`, `/invalidate wbe`): then the answer is what it was probably meant to be.
 */
function badCommandRefusal(policy: PolicyConfig, error: CommandError): CommandRefusal {
  if (error.code === 'no_paths' && !findDistribution(policy, error.target)) {
    const unknown = unknownDistribution(policy, error.target, [], true);
    if (unknown.suggestion) return unknown;
  }
  if (error.code === 'bad_export_word') {
    const formats = EXPORT_FORMATS.map((word): Candidate => ({ kind: 'command', word }));
    const near = nearest(error.typed, formats, distance);
    if (near) return { code: 'bad_command', error, meant: near.word };
  }
  return { code: 'bad_command', error };
}

/**
 * The refusal of a word that names no distribution, with the nearest alias (or, where a sub-command could
 * stand, sub-command) it may have been a slip for.
 */
function unknownDistribution(
  policy: PolicyConfig,
  target: string,
  items: readonly string[],
  commandsToo: boolean,
): Extract<CommandRefusal, { code: 'unknown_distribution' }> {
  const refusal = { code: 'unknown_distribution' as const, target, known: policy.distributions };
  const aliases = policy.distributions.map((d): Candidate => ({ kind: 'distribution', word: d.alias }));
  const commands = RESERVED_WORDS.map((word): Candidate => ({ kind: 'command', word }));
  const near = nearest(target, commandsToo ? [...aliases, ...commands] : aliases, distance);
  if (near === undefined) return refusal;
  const suggestion: Suggestion =
    near.kind === 'distribution'
      ? { kind: 'distribution', alias: near.word }
      : { kind: 'command', command: near.word, rest: near.word === 'help' ? '' : items.join(' ') };
  return { ...refusal, suggestion };
}

export type RecordRefusal =
  /** `host`: the pasted URL's host that named the distribution, when no alias was typed */
  | { code: 'not_a_requester'; distribution: DistributionConfig; unresolved: boolean; host?: string }
  /** a budget with `onExceed: refuse` had no room for it: nothing was recorded but the refusal */
  | { code: 'over_budget'; distribution: DistributionConfig; overrun: BudgetOverrun };
export type PostRefusal = { code: 'cannot_post'; error: PostError | 'will_retry'; requestId: string };
export type OpenRefusal = RecordRefusal | PostRefusal;

/**
 * The cheaper forms a person's new request offers (core/cheaper.ts), and, when it needs no approval, how long it
 * waits for their choice once its card is posted. A pipeline's request offers none: nobody would click.
 */
function choiceOf(
  policy: PolicyConfig,
  distribution: DistributionConfig,
  request: Priced & { approval: { required: boolean } },
): Pick<NewRequest, 'offers' | 'choiceWaitMs'> {
  const forms = cheaperForms(request, policy.cost, distribution.policy);
  const offers = offersOf(forms, request.paths.length);
  if (!offers) return {};
  const waits =
    !request.approval.required &&
    policy.suggestionWaitSeconds > 0 &&
    hasCheaperForm(forms, request.paths.length);
  return waits ? { offers, choiceWaitMs: policy.suggestionWaitSeconds * 1000 } : { offers };
}

/**
 * Records a checked request. This is what acceptance means: the command is acknowledged only once this
 * has returned, so every accepted request is in DynamoDB (and a DynamoDB outage makes this throw, with
 * nothing shown or submitted). The card is posted next, by `postCard`. A requester outside the
 * distribution's `requesters` is refused, and that refusal is recorded instead. With `followUps: 'worker'`
 * the card is due at once, for the worker to post (the caller wakes it).
 */
export async function recordRequest(
  services: Pick<
    Services,
    'clock' | 'counters' | 'directory' | 'ids' | 'logger' | 'policy' | 'refusals' | 'requests'
  >,
  command: Extract<PreparedCommand, { kind: 'invalidate' }>,
  requester: string,
  channel: string,
  followUps: FollowUps = 'caller',
  pipeline?: { id: string; source: PipelineSource },
  /** the id to record it under (a deploy proposal's request: two clicks make one request) */
  requestId?: string,
): Promise<Result<RequestIn<'new'>, RecordRefusal>> {
  const { clock, ids, policy, directory } = services;
  const { distribution } = command;
  // A pipeline's own config says which distributions it may request; `requesters` names people.
  if (distribution.requesters && !pipeline) {
    const membership = await memberOf(directory, requester, distribution.requesters);
    if (membership !== 'member') {
      await recordCommandRefusal(services, {
        user: requester,
        channel,
        distribution: { alias: distribution.alias, id: distribution.id },
        code: 'not_a_requester',
        text: command.text,
      });
      const unresolved = membership === 'unresolved';
      const host = command.host;
      return err({ code: 'not_a_requester', distribution, unresolved, ...(host ? { host } : {}) });
    }
  }
  const now = clock.now();
  // A pipeline's id was reserved with its idempotency key, so a retried call makes this same request.
  const id = pipeline?.id ?? requestId ?? ids.requestId();
  const paths = command.normalised.paths;
  const target = requestDistribution(distribution);
  const billed = billedPaths({ distribution: target, paths });
  // The month's figure is this request's own place in line, from one conditional write: however many
  // requests arrive together, each sees the others' paths, so together they cannot pass the budget.
  const { usedBefore, totalBefore, findings, refused, crossings } = await reserveNewRequest(services, {
    id,
    requester,
    paths: billed,
    createdAt: now,
    distribution,
  });
  if (refused) {
    await recordCommandRefusal(services, {
      user: requester,
      channel,
      distribution: { alias: distribution.alias, id: distribution.id },
      code: 'over_budget',
      text: command.text,
    });
    return err({ code: 'over_budget', distribution, overrun: refused });
  }
  // The card counts from the request's own AWS account (its free allowance); the budget covers every
  // account, so what the others used is taken off it: the card's share reaches 100% where the budget does.
  const wholeBudget = accountPathLimit(policy.budget, policy.cost)?.paths;
  const budgetPaths = wholeBudget === undefined ? undefined : wholeBudget - (totalBefore - usedBefore);
  const preview = previewCost(billed, usedBefore, policy.cost, budgetPaths);
  const cost = crossings.length > 0 ? { ...preview, crossings } : preview;
  const need = approvalNeed(paths, cost, distribution.policy, findings);
  const choice = pipeline
    ? undefined
    : choiceOf(policy, distribution, {
        distribution: target,
        paths,
        cost,
        approval: need,
      });
  const group = distribution.approvers.usergroup;
  const groupUnresolved =
    need.required && group !== undefined && (await directory.members(group)) === undefined;
  const transition = createRequest(
    {
      id,
      distribution: target,
      paths,
      ...(command.reason === undefined ? {} : { reason: command.reason }),
      requester,
      ...(pipeline ? { source: pipeline.source } : {}),
      channel,
      createdAt: now,
      approval: {
        ...need,
        approvers: distribution.approvers,
        selfApproval: distribution.selfApproval,
        ...(groupUnresolved ? { groupUnresolved } : {}),
      },
      cost,
      notes: {
        encoded: command.normalised.encoded,
        duplicates: command.normalised.duplicates,
        covered: command.normalised.covered,
        ...(command.normalised.queryKept.length > 0 ? { queryKept: command.normalised.queryKept } : {}),
      },
      ...choice,
    },
    followUps === 'worker' ? 0 : CARD_RETRY_MS,
  );
  try {
    await services.requests.create(transition);
  } catch (error) {
    // Recorded already under this id (a pipeline's retry racing its first call): that request holds the
    // reservation, the same holder, so nothing is given back.
    if (error instanceof RequestExistsError) throw error;
    // Not recorded, so never accepted: what it reserved goes back (if the store answers at all; if not,
    // its paths stay reserved for the month, the strict side).
    await releaseReservation(services, transition.request).catch(() => {});
    throw error;
  }
  return ok(transition.request);
}
