import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudFrontCall } from '../../src/standins/cloudfront-standin.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import type { BotProcess } from '../../test/support/bot-process.js';
import { type Stack, USERS } from '../../test/support/stack.js';
import { inPool } from './stats.js';

/** One planned request: `/invalidate <alias> <path>`, the path unique to it. */
export interface PlannedRequest {
  n: number;
  alias: string;
  distributionId: string;
  path: string;
}

/** The event types the bot puts in message metadata (src/adapters/slack/cards.ts). */
const CARD_EVENT = 'invalidator_card';
const NOTICE_EVENT = 'invalidator_notice';

export interface CallCounts {
  create: number;
  list: number;
  get: number;
  /** answers other than 200/201 (or none at all), any operation */
  errors: number;
}

export interface BotSideResult {
  commandsSent: number;
  /** commands answered with HTTP 200 */
  commandsAcked: number;
  commandFailures: string[];
  calls: CallCounts;
  /** ListInvalidations calls per distribution id */
  listsByDistribution: Record<string, number>;
  /** new invalidations the stand-in made for the bot (CallerReference repeats excluded) */
  invalidationsCreated: number;
  /** planned paths that ended up in exactly one invalidation */
  pathsInOneInvalidation: number;
  /** per request with exactly one completion reply: reply time (its ts) − the stand-in's completedAt */
  lagsMs: number[];
  requestsWithOneReply: number;
  requestsWithoutReply: number;
  requestsWithSeveralReplies: number;
  /** completion replies not in the thread of their request's card */
  repliesOutsideCardThread: number;
  /** thread notices of other kinds (failed, slow, …), by kind */
  otherNotices: Record<string, number>;
  /** warning and error lines the bot logged, by level and message */
  problems: Record<string, number>;
  /** epoch ms */
  firstCommandAt: number;
  lastAckAt: number;
  lastReplyAt: number;
}

function metadataOf(message: StoredMessage): { type?: string; payload: Record<string, unknown> } {
  let metadata = message.metadata;
  if (typeof metadata === 'string') {
    try {
      metadata = JSON.parse(metadata);
    } catch {
      return { payload: {} };
    }
  }
  if (typeof metadata !== 'object' || metadata === null) return { payload: {} };
  const { event_type: type, event_payload: payload } = metadata as Record<string, unknown>;
  return {
    ...(typeof type === 'string' ? { type } : {}),
    payload: typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {},
  };
}

function completionReplies(stack: Stack): StoredMessage[] {
  return stack.slack.messages.filter((message) => {
    const { type, payload } = metadataOf(message);
    return message.thread_ts !== undefined && type === NOTICE_EVENT && payload.kind === 'completed';
  });
}

/** Slack ts "seconds.micros" (the stand-in stamps it with its wall clock) as epoch ms. */
const tsMs = (ts: string) => Number(ts) * 1000;

/** Sends every command, `concurrency` at a time, then waits for 200 completion replies or the deadline. */
export async function runBotSide(
  stack: Stack,
  bot: BotProcess,
  plan: readonly PlannedRequest[],
  options: { concurrency: number; deadline: number },
): Promise<{ firstCommandAt: number; lastAckAt: number; failures: string[]; acked: number }> {
  const sender = stack.sender(bot);
  const failures: string[] = [];
  let acked = 0;
  const firstCommandAt = Date.now();
  await inPool(plan, options.concurrency, async (request) => {
    try {
      const answer = await sender.command(USERS.requester, `${request.alias} ${request.path}`);
      if (answer.status === 200) acked += 1;
      else failures.push(`${request.path}: HTTP ${answer.status}`);
    } catch (error) {
      failures.push(`${request.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const lastAckAt = Date.now();
  const expected = plan.length - failures.length;
  while (Date.now() < options.deadline) {
    const done = new Set(completionReplies(stack).map((reply) => metadataOf(reply).payload.request_id));
    if (done.size >= expected) break;
    await sleep(200);
  }
  return { firstCommandAt, lastAckAt, failures, acked };
}

export function countCalls(calls: readonly CloudFrontCall[]): CallCounts {
  const counts: CallCounts = { create: 0, list: 0, get: 0, errors: 0 };
  for (const call of calls) {
    // ListDistributions is reconciliation's and GetDistributionConfig the cache-tag check's, not polling's.
    if (call.operation === 'distributions' || call.operation === 'config') continue;
    counts[call.operation] += 1;
    if (call.status !== 200 && call.status !== 201) counts.errors += 1;
  }
  return counts;
}

function logProblems(logs: readonly string[]): Record<string, number> {
  const problems: Record<string, number> = {};
  for (const line of logs) {
    let entry: { level?: unknown; message?: unknown; error?: { name?: unknown; message?: unknown } };
    try {
      entry = JSON.parse(line);
    } catch {
      // Not a log entry of the bot's logger (a Node warning, say): counted as such.
      entry = { level: 'stderr', message: line.slice(0, 120) };
    }
    if (entry.level === 'warn' || entry.level === 'error' || entry.level === 'stderr') {
      const cause = entry.error
        ? ` (${String(entry.error.name)}: ${String(entry.error.message).slice(0, 100)})`
        : '';
      const key = `${String(entry.level)}: ${String(entry.message)}${cause}`;
      problems[key] = (problems[key] ?? 0) + 1;
    }
  }
  return problems;
}

/** What the bot did, from the stand-ins' records: calls, invalidations, replies and their lag. */
export function analyseBotSide(
  stack: Stack,
  bot: BotProcess,
  plan: readonly PlannedRequest[],
  sent: { firstCommandAt: number; lastAckAt: number; failures: string[]; acked: number },
): BotSideResult {
  const invalidations = stack.cloudfront.invalidations();
  const cards = new Map<string, string>();
  const notices: StoredMessage[] = [];
  for (const message of stack.slack.messages) {
    const { type, payload } = metadataOf(message);
    const requestId = typeof payload.request_id === 'string' ? payload.request_id : undefined;
    if (type === CARD_EVENT && requestId !== undefined && message.thread_ts === undefined) {
      cards.set(requestId, message.ts);
    }
    if (type === NOTICE_EVENT) notices.push(message);
  }
  const otherNotices: Record<string, number> = {};
  const repliesByRequest = new Map<string, StoredMessage[]>();
  for (const notice of notices) {
    const { payload } = metadataOf(notice);
    const kind = String(payload.kind);
    if (kind !== 'completed') {
      otherNotices[kind] = (otherNotices[kind] ?? 0) + 1;
      continue;
    }
    const requestId = String(payload.request_id);
    repliesByRequest.set(requestId, [...(repliesByRequest.get(requestId) ?? []), notice]);
  }

  const lagsMs: number[] = [];
  let pathsInOneInvalidation = 0;
  let requestsWithOneReply = 0;
  let requestsWithoutReply = 0;
  let requestsWithSeveralReplies = 0;
  let repliesOutsideCardThread = 0;
  let lastReplyAt = 0;
  for (const request of plan) {
    const made = invalidations.filter(
      (inv) => inv.distributionId === request.distributionId && inv.paths.includes(request.path),
    );
    if (made.length === 1) pathsInOneInvalidation += 1;
    const invalidation = made[0];
    // A one-path request is one batch, whose CallerReference is the request id (src/core/capacity.ts).
    const requestId = invalidation?.callerReference;
    const replies = requestId === undefined ? [] : (repliesByRequest.get(requestId) ?? []);
    if (replies.length === 0) requestsWithoutReply += 1;
    if (replies.length > 1) requestsWithSeveralReplies += 1;
    const cardTs = requestId === undefined ? undefined : cards.get(requestId);
    for (const reply of replies) {
      if (reply.thread_ts !== cardTs) repliesOutsideCardThread += 1;
      lastReplyAt = Math.max(lastReplyAt, tsMs(reply.ts));
    }
    const [reply] = replies;
    if (replies.length === 1 && reply !== undefined) {
      requestsWithOneReply += 1;
      if (invalidation?.completedAt !== undefined) {
        lagsMs.push(tsMs(reply.ts) - invalidation.completedAt.getTime());
      }
    }
  }

  const listsByDistribution: Record<string, number> = {};
  for (const call of stack.cloudfront.calls) {
    if (call.operation === 'list') {
      listsByDistribution[call.distributionId] = (listsByDistribution[call.distributionId] ?? 0) + 1;
    }
  }
  return {
    commandsSent: plan.length,
    commandsAcked: sent.acked,
    commandFailures: sent.failures,
    calls: countCalls(stack.cloudfront.calls),
    listsByDistribution,
    invalidationsCreated: stack.cloudfront.createdCount(),
    pathsInOneInvalidation,
    lagsMs,
    requestsWithOneReply,
    requestsWithoutReply,
    requestsWithSeveralReplies,
    repliesOutsideCardThread,
    otherNotices,
    problems: logProblems(bot.logs),
    firstCommandAt: sent.firstCommandAt,
    lastAckAt: sent.lastAckAt,
    lastReplyAt,
  };
}
