/**
 * What the playground's server and its page say to each other (`GET /api/state`), shared by both sides.
 * Types only: the page compiles this file on its own, without the server's code.
 */

export interface Persona {
  id: string;
  name: string;
  /** what this person is in the sample: shown next to the name in the "you are" picker */
  role: string;
}

/** A reply only its user sees: a command's answer, a `response_url` message or `chat.postEphemeral`. */
export interface Ephemeral {
  id: string;
  user: string;
  text: string;
  blocks?: unknown[];
  /** the command typed, shown above the bot's answer */
  command?: string;
  thread_ts?: string;
  at: number;
}

export interface ChannelMessage {
  ts: string;
  user: string;
  text: string;
  blocks?: unknown[];
  edited: boolean;
  at: number;
  replies: ChannelMessage[];
}

export interface OpenModal {
  viewId: string;
  view: unknown;
  /** per block id, from a `response_action: errors` answer */
  errors?: Record<string, string>;
}

/** Everything one person sees. */
export interface PersonView {
  channel: { id: string; name: string };
  messages: ChannelMessage[];
  ephemerals: Ephemeral[];
  modal?: OpenModal;
  home?: { viewId: string; view: unknown };
}

/** Where a clicked button was, as the page names it. */
export type ClickTarget =
  | { kind: 'message'; ts: string }
  | { kind: 'ephemeral'; id: string }
  | { kind: 'home' };

/** One line of the side panel: a CloudFront call the bot made, or an audit event it recorded. */
export type ActivityEntry =
  | {
      kind: 'cloudfront';
      at: number;
      operation:
        | 'CreateInvalidation'
        | 'GetInvalidation'
        | 'ListInvalidations'
        | 'ListDistributions'
        | 'GetDistributionConfig';
      distributionId: string;
      status: number;
      errorCode?: string;
      invalidationId?: string;
      invalidationStatus?: string;
      paths?: string[];
      callerReference?: string;
    }
  | {
      kind: 'audit';
      at: number;
      requestId: string;
      type: string;
      actor?: string;
      details: Record<string, unknown>;
    };

export interface UsageBar {
  month: string;
  paths: number;
  freePaths: number;
  /** money as the bot writes it everywhere (core/cost.ts `formatUsd`): whole cents, rounded half up */
  cost: string;
  projected: string;
}

export interface PageInfo {
  personas: readonly Persona[];
  bot: { id: string; name: string };
  /** user group id → handle, for `<!subteam^…>` mentions */
  userGroups: Record<string, string>;
  cloudfront: { mode: 'simulated'; completeAfterSeconds: number } | { mode: 'aws' };
  distributions: Array<{ alias: string; id: string }>;
}

/** `GET /api/state?user=…` */
export interface PageState {
  info: PageInfo;
  view: PersonView;
  activity: { entries: ActivityEntry[]; usage?: UsageBar };
}
