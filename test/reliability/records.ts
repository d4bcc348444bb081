import {
  blockActionsBody,
  CHANNEL,
  commandBody,
  postSigned,
  type SlackAnswer,
  viewSubmissionBody,
} from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import type { BotProcess } from '../support/bot-process.js';
import type { Stack } from '../support/stack.js';

/**
 * What the reliability suites read back after a run: every request item of the table as plain values,
 * its audit events, and signed Slack requests whose `response_url` ids the suite chooses, so each answer
 * can be matched to the click that caused it.
 */

export interface AuditRecord {
  type: string;
  key: string;
  at: string;
  actor?: string;
  details: Record<string, unknown>;
}

export interface RequestRecord {
  id: string;
  status: string;
  /** the request as the bot stored it */
  request: Record<string, unknown>;
  events: AuditRecord[];
}

/** Every request in the table by id. */
export async function requestRecords(stack: Stack): Promise<Map<string, RequestRecord>> {
  const records = new Map<string, RequestRecord>();
  for (const item of await stack.plainItems()) {
    const pk = String(item.pk);
    if (!pk.startsWith('REQ#')) continue;
    const id = pk.slice('REQ#'.length);
    records.set(id, {
      id,
      status: String(item.status),
      request: item.request as Record<string, unknown>,
      events: (item.events ?? []) as AuditRecord[],
    });
  }
  return records;
}

/** The decision-like events of a request: at most one of them may ever be recorded. */
export const DECISION_EVENTS: ReadonlySet<string> = new Set(['approved', 'denied', 'cancelled', 'expired']);

export function decisionsOf(record: RequestRecord): AuditRecord[] {
  return record.events.filter((event) => DECISION_EVENTS.has(event.type));
}

/** Keys that appear more than once among a request's audit events (each step has one key). */
export function duplicateKeys(record: RequestRecord): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const event of record.events) {
    if (seen.has(event.key)) twice.add(event.key);
    seen.add(event.key);
  }
  return [...twice];
}

export const APPROVE = 'invalidator.approve';
export const CANCEL = 'invalidator.cancel';

let sequence = 0;

/** Signed Slack requests to one bot, answered through `response_url` ids the caller picks. */
export function signedRequests(stack: Stack) {
  const send = (bot: BotProcess, body: string) => postSigned(bot.url, stack.secret, body);
  return {
    command(bot: BotProcess, user: string, text: string, responseId: string): Promise<SlackAnswer> {
      return send(
        bot,
        commandBody({
          user,
          text,
          channel: CHANNEL,
          responseUrl: stack.slack.responseUrl(responseId),
          triggerId: `trigger-${responseId}`,
        }),
      );
    },
    /** A button on the request card: APPROVE or CANCEL (Deny opens a form: see `denial`). */
    click(
      bot: BotProcess,
      user: string,
      actionId: string,
      requestId: string,
      responseId: string,
    ): Promise<SlackAnswer> {
      return send(bot, clickBody(stack, user, actionId, requestId, responseId));
    },
    /** The filled-in Deny form; the bot answers it in the HTTP response itself. */
    denial(bot: BotProcess, user: string, requestId: string, reason: string): Promise<SlackAnswer> {
      return send(bot, denialBody(user, requestId, reason));
    },
  };
}

/** A click's body, built ahead so that many clicks can be sent at the same instant. */
export function clickBody(
  stack: Stack,
  user: string,
  actionId: string,
  requestId: string,
  responseId: string,
): string {
  sequence += 1;
  return blockActionsBody({
    user,
    actionId,
    value: requestId,
    blockId: 'decision',
    container: { type: 'message', channel: CHANNEL, messageTs: '1.000001' },
    responseUrl: stack.slack.responseUrl(responseId),
    triggerId: `trigger-${responseId}`,
    actionTs: `${Date.now()}.${sequence}`,
  });
}

export function denialBody(user: string, requestId: string, reason: string): string {
  sequence += 1;
  return viewSubmissionBody({
    user,
    viewId: `VREL${sequence}`,
    callbackId: 'invalidator.deny_reason',
    privateMetadata: JSON.stringify({ requestId, channel: CHANNEL }),
    values: { reason: { reason_input: { type: 'plain_text_input', value: reason } } },
    triggerId: `trigger-deny-${sequence}`,
  });
}

/** What was posted to one `response_url`, as text (undefined while nothing was). */
export function responseText(stack: Stack, responseId: string): string | undefined {
  const found = stack.slack.responses.filter((response) => response.id === responseId);
  return found.length === 0 ? undefined : found.map((response) => JSON.stringify(response.body)).join('\n');
}

/** Top-level messages that are request cards, by the request id in their metadata. */
export function cardsByRequest(stack: Stack): Map<string, StoredMessage[]> {
  const cards = new Map<string, StoredMessage[]>();
  for (const message of stack.slack.messages) {
    if (message.thread_ts !== undefined) continue;
    const metadata = message.metadata as { event_type?: string; event_payload?: { request_id?: string } };
    const id = metadata?.event_type === 'invalidator_card' ? metadata.event_payload?.request_id : undefined;
    if (id === undefined) continue;
    cards.set(id, [...(cards.get(id) ?? []), message]);
  }
  return cards;
}

/** The completion replies in a card's thread. */
export function completionReplies(stack: Stack, card: StoredMessage): StoredMessage[] {
  return stack.slack.threadReplies(card.channel, card.ts).filter((m) => m.text.includes('completed in'));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `everyMs` until it returns a value other than undefined; rejects after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  describe: () => string,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(everyMs);
  }
}
