import type { webApi } from '@slack/bolt';
import type { BudgetCrossing } from '../../core/budgets.js';
import { onCallSchedules } from '../../core/policy.js';
import type { Proposal } from '../../core/proposal.js';
import type { Card, InvalidationRequest, NoticeKind } from '../../core/request.js';
import {
  type Cards,
  type Logger,
  type OnCallDirectory,
  type PostError,
  SlackPostError,
} from '../../usecases/ports.js';
import { awaitsDecision, noticeMessage, type OnCallNow, onCallReminder, requestCard } from './blocks.js';
import { budgetWarningMessage } from './budget-blocks.js';
import { proposalCard } from './proposal-blocks.js';

const POST_ERRORS: ReadonlySet<string> = new Set<PostError>([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
]);

/**
 * Thread notices carry message metadata naming the request and the kind of notice, so a retry can tell
 * from the thread whether an earlier attempt already reached Slack.
 * https://api.slack.com/metadata/using
 */
const NOTICE_EVENT = 'invalidator_notice';
const CARD_EVENT = 'invalidator_card';
const PROPOSAL_EVENT = 'invalidator_proposal';
/** A rate limit on the card this short is waited out while the requester waits for their card. */
const MAX_INLINE_WAIT_MS = 5_000;

type Metadata = { event_type?: string; event_payload?: Record<string, unknown> } | undefined;

/**
 * The request card and its thread, through the Slack Web API. Posts go through `postClient`, which does
 * not retry by itself: a post is retried from the work queue, after looking whether it already arrived.
 */
export class SlackCards implements Cards {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly postClient: webApi.WebClient,
    /** who is on call in the approvers' schedules, named on cards and sent the reminder; none without */
    private readonly onCall?: { directory: OnCallDirectory; logger: Logger },
  ) {}

  // https://api.slack.com/methods/chat.getPermalink
  async permalink(card: Card): Promise<string | undefined> {
    try {
      const found = await this.client.chat.getPermalink({ channel: card.channel, message_ts: card.ts });
      return found.permalink;
    } catch {
      return undefined;
    }
  }

  async post(request: InvalidationRequest, options: { lookFirst: boolean }) {
    try {
      const existing = options.lookFirst ? await this.findCard(request) : undefined;
      if (existing) return { ok: true as const, card: existing };
      return { ok: true as const, card: await this.postCard(request) };
    } catch (error) {
      const code = platformError(error);
      if (code && POST_ERRORS.has(code)) return { ok: false as const, error: code as PostError };
      // As for notices: a post that got no answer may still land, so the retry must give it time to.
      throw slackPostError(error);
    }
  }

  /** Posts the card; a short Slack rate limit (nothing was posted) is waited out once, in place. */
  private async postCard(request: InvalidationRequest): Promise<Card> {
    const onCallNow = await this.onCallNow(request);
    const send = () =>
      this.postClient.chat.postMessage({
        channel: request.channel,
        ...requestCard(request, onCallNow),
        metadata: { event_type: CARD_EVENT, event_payload: { request_id: request.id } },
      });
    let result: Awaited<ReturnType<typeof send>>;
    try {
      result = await send();
    } catch (error) {
      const wait = slackPostError(error);
      if (wait.ambiguous || wait.retryAfterMs === 0 || wait.retryAfterMs > MAX_INLINE_WAIT_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait.retryAfterMs));
      result = await send();
    }
    if (!result.ts || !result.channel) throw new Error('chat.postMessage answered without ts');
    return { channel: result.channel, ts: result.ts };
  }

  async update(request: InvalidationRequest): Promise<void> {
    if (!request.card) return;
    try {
      await this.client.chat.update({
        channel: request.card.channel,
        ts: request.card.ts,
        ...requestCard(request, await this.onCallNow(request)),
      });
    } catch (error) {
      // Slack's own refusal (message_not_found…) stays as it is; anything that may pass is a SlackPostError.
      if (platformError(error) !== undefined) throw error;
      throw slackPostError(error);
    }
  }

  async notify(request: InvalidationRequest, kind: NoticeKind): Promise<void> {
    const onCallNow = kind === 'reminder' ? await this.onCallNow(request) : undefined;
    const message = noticeMessage(request, kind, onCallNow);
    if (!request.card || !message) return;
    try {
      await this.postClient.chat.postMessage({
        channel: request.card.channel,
        thread_ts: request.card.ts,
        ...message,
        metadata: { event_type: NOTICE_EVENT, event_payload: { request_id: request.id, kind } },
      });
    } catch (error) {
      throw slackPostError(error);
    }
    if (onCallNow) await this.remindOnCall(request, request.card, onCallNow);
  }

  /**
   * Who is on call now in the approvers' schedules of a request awaiting a decision (a snapshot up to a
   * minute old: it only shows), or undefined when there is nothing to show.
   */
  private async onCallNow(request: InvalidationRequest): Promise<OnCallNow[] | undefined> {
    const directory = this.onCall?.directory;
    const schedules = onCallSchedules(request.approval.approvers);
    if (!directory || !awaitsDecision(request) || schedules.length === 0) return undefined;
    return Promise.all(
      schedules.map(async (schedule) => {
        const answer = await directory.snapshot(schedule);
        return { schedule, users: answer.ok ? answer.users : undefined };
      }),
    );
  }

  /**
   * The reminder as a direct message to each person on call, once each. The thread's reminder is already
   * posted: a DM that fails is logged and never fails it (nor is it retried, which would repeat the thread's).
   */
  private async remindOnCall(
    request: InvalidationRequest,
    card: Card,
    onCallNow: OnCallNow[],
  ): Promise<void> {
    if (request.status !== 'pending_approval') return;
    const permalink = await this.permalink(card);
    const sent = new Set<string>();
    for (const { schedule, users } of onCallNow) {
      for (const user of users ?? []) {
        if (sent.has(user) || user === request.requester) continue;
        sent.add(user);
        try {
          const opened = await this.client.conversations.open({ users: user });
          const channel = opened.channel?.id;
          if (!channel) throw new Error('conversations.open answered without a channel');
          await this.postClient.chat.postMessage({
            channel,
            ...onCallReminder(request, schedule, permalink),
          });
        } catch (error) {
          this.onCall?.logger.warn('could not send the reminder to a person on call', {
            requestId: request.id,
            user,
            reason: platformError(error) ?? (error instanceof Error ? error.message : String(error)),
          });
        }
      }
    }
  }

  async warnBudget(request: InvalidationRequest, crossing: BudgetCrossing): Promise<void> {
    if (!request.card) return;
    try {
      await this.postClient.chat.postMessage({
        channel: request.card.channel,
        thread_ts: request.card.ts,
        ...budgetWarningMessage(crossing),
      });
    } catch (error) {
      throw slackPostError(error);
    }
  }

  async hasNotice(request: InvalidationRequest, kind: NoticeKind): Promise<boolean> {
    if (!request.card) return false;
    const result = await this.client.conversations.replies({
      channel: request.card.channel,
      ts: request.card.ts,
      include_all_metadata: true,
      limit: 200,
    });
    return (result.messages ?? []).some((message) => {
      const metadata = message.metadata as Metadata;
      const payload = metadata?.event_payload;
      return (
        metadata?.event_type === NOTICE_EVENT && payload?.request_id === request.id && payload?.kind === kind
      );
    });
  }

  /** A card an earlier attempt posted (its answer lost to a timeout or a crash), found by its metadata. */
  private findCard(request: InvalidationRequest): Promise<Card | undefined> {
    return this.findMarked(request.channel, request.createdAt, CARD_EVENT, 'request_id', request.id);
  }

  /** The bot's message in `channel` since `since` whose metadata names `id` under `key`, if one is there. */
  private async findMarked(
    channel: string,
    since: string,
    eventType: string,
    key: string,
    id: string,
  ): Promise<Card | undefined> {
    const oldest = String(Math.floor(Date.parse(since) / 1000) - 1);
    const result = await this.client.conversations.history({
      channel,
      oldest,
      include_all_metadata: true,
      limit: 200,
    });
    const found = (result.messages ?? []).find((message) => {
      const metadata = message.metadata as Metadata;
      return metadata?.event_type === eventType && metadata.event_payload?.[key] === id;
    });
    return found?.ts ? { channel, ts: found.ts } : undefined;
  }

  async postProposal(proposal: Proposal, options: { lookFirst: boolean }) {
    try {
      const existing = options.lookFirst
        ? await this.findMarked(
            proposal.channel,
            proposal.createdAt,
            PROPOSAL_EVENT,
            'proposal_id',
            proposal.id,
          )
        : undefined;
      if (existing) return { ok: true as const, card: existing };
      const result = await this.postClient.chat.postMessage({
        channel: proposal.channel,
        ...proposalCard(proposal),
        metadata: { event_type: PROPOSAL_EVENT, event_payload: { proposal_id: proposal.id } },
      });
      if (!result.ts || !result.channel) throw new Error('chat.postMessage answered without ts');
      return { ok: true as const, card: { channel: result.channel, ts: result.ts } };
    } catch (error) {
      const code = platformError(error);
      if (code && POST_ERRORS.has(code)) return { ok: false as const, error: code as PostError };
      throw slackPostError(error);
    }
  }

  async updateProposal(proposal: Proposal): Promise<void> {
    if (!proposal.card) return;
    try {
      await this.client.chat.update({
        channel: proposal.card.channel,
        ts: proposal.card.ts,
        ...proposalCard(proposal),
      });
    } catch (error) {
      if (platformError(error) !== undefined) throw error;
      throw slackPostError(error);
    }
  }
}

/**
 * Sorts a Web API failure: an answer from Slack (ok: false, an HTTP error status, a 429) means the post did
 * not happen; no answer at all (a timeout, a dropped connection) means it may have.
 */
function slackPostError(error: unknown): SlackPostError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'slack_webapi_rate_limited_error') {
    const seconds = Number((error as { retryAfter?: unknown }).retryAfter ?? 1);
    return new SlackPostError(message, false, seconds * 1000, { cause: error });
  }
  const answered = code === 'slack_webapi_platform_error' || code === 'slack_webapi_http_error';
  return new SlackPostError(message, !answered, 0, { cause: error });
}

/** The `error` of an `ok: false` Web API answer, if that is what failed. */
export function platformError(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('data' in error)) return undefined;
  const data = (error as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
