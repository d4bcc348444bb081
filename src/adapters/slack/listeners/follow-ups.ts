import type { RespondArguments, RespondFn } from '@slack/bolt';
import type { FollowUps } from '../../../usecases/ports.js';

/** How listeners follow up their acknowledgement. */
export interface ListenerFollowUps {
  /** who posts and redraws cards after a recorded change (see `FollowUps`) */
  cards: FollowUps;
  /**
   * Hands a message for a `response_url` to the worker instead of posting it before the handler answers
   * (Lambda); absent, Bolt's `respond` posts it at once (the server, which has already answered).
   */
  replyLater?: (responseUrl: string, message: RespondArguments) => void;
}

/** The server's: every follow-up is made by the listener itself, right after the acknowledgement. */
export const INLINE_FOLLOW_UPS: ListenerFollowUps = { cards: 'caller' };

/** A listener's `respond`: a message for the `response_url` of what it answers. */
export type Respond = (message: string | RespondArguments) => Promise<unknown>;

/** The `respond` a listener uses: Bolt's own, or one that leaves the post to the worker. */
export function responder(
  followUps: ListenerFollowUps,
  respond: RespondFn,
  responseUrl: string | undefined,
): Respond {
  const { replyLater } = followUps;
  if (!replyLater || !responseUrl) return respond;
  return async (message) => {
    replyLater(responseUrl, typeof message === 'string' ? { text: message } : { ...message });
  };
}
