import type { webApi } from '@slack/bolt';
import type { InvalidationRequest } from '../../core/request.js';
import type { Cards, PostError } from '../../usecases/ports.js';
import { completionReply, failureReply, reminderReply, requestCard } from './blocks.js';

const POST_ERRORS: ReadonlySet<string> = new Set<PostError>([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
]);

/** The request card and its thread, through the Slack Web API. */
export class SlackCards implements Cards {
  constructor(private readonly client: webApi.WebClient) {}

  async post(request: InvalidationRequest) {
    try {
      const result = await this.client.chat.postMessage({
        channel: request.channel,
        ...requestCard(request),
      });
      if (!result.ts || !result.channel) throw new Error('chat.postMessage answered without ts');
      return { ok: true as const, card: { channel: result.channel, ts: result.ts } };
    } catch (error) {
      const code = platformError(error);
      if (code && POST_ERRORS.has(code)) return { ok: false as const, error: code as PostError };
      throw error;
    }
  }

  async update(request: InvalidationRequest): Promise<void> {
    if (!request.card) return;
    await this.client.chat.update({
      channel: request.card.channel,
      ts: request.card.ts,
      ...requestCard(request),
    });
  }

  async announce(request: InvalidationRequest): Promise<void> {
    if (!request.card) return;
    const message =
      request.status === 'completed'
        ? completionReply(request)
        : request.status === 'failed'
          ? failureReply(request)
          : undefined;
    if (!message) return;
    await this.client.chat.postMessage({
      channel: request.card.channel,
      thread_ts: request.card.ts,
      ...message,
    });
  }
  async remind(request: InvalidationRequest): Promise<void> {
    if (!request.card || request.status !== 'pending_approval') return;
    await this.client.chat.postMessage({
      channel: request.card.channel,
      thread_ts: request.card.ts,
      ...reminderReply(request),
    });
  }
}

/** The `error` of an `ok: false` Web API answer, if that is what failed. */
export function platformError(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('data' in error)) return undefined;
  const data = (error as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
