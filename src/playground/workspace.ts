import {
  type ActionContainer,
  blockActionsBody,
  commandBody,
  eventBody,
  postSigned,
  type SlackAnswer,
  viewSubmissionBody,
} from '../standins/slack-requests.js';
import type {
  ResponseUrlMessage,
  SlackCall,
  SlackStandIn,
  StoredMessage,
} from '../standins/slack-standin.js';
import type { ChannelMessage, ClickTarget, Ephemeral, OpenModal, PersonView } from './web/api.js';

/**
 * The Slack workspace as one person in the playground sees it: the channel's messages and threads, the
 * replies only they can see, their open modal and their App Home. It turns a person's actions on the page
 * into the signed requests Slack would send the bot, and what the bot sends to the Slack stand-in back
 * into what that person sees.
 */

export interface Click {
  actionId: string;
  value: string;
  blockId?: string;
}

/** A `response_url` handed to the bot, and whose action it answers. */
interface ResponseTarget {
  user: string;
  /** the ephemeral message whose button was clicked: `replace_original` replaces it */
  ephemeralId?: string;
}

/** What the page shows when the bot answered a request with an error status. */
export class BotAnswerError extends Error {}

export class Workspace {
  private readonly ephemerals: Ephemeral[] = [];
  private readonly responseTargets = new Map<string, ResponseTarget>();
  private readonly triggers = new Map<string, string>();
  private readonly modals = new Map<string, OpenModal>();
  private sequence = 0;
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly slack: SlackStandIn,
    private readonly bot: { url: string; signingSecret: string },
    readonly channel: { id: string; name: string },
    private readonly changed: () => void,
  ) {
    this.unsubscribe = [
      slack.onCall((call) => {
        this.viewCall(call);
        this.changed();
      }),
      slack.onResponse((response) => {
        this.responded(response);
        this.changed();
      }),
    ];
  }

  close(): void {
    for (const stop of this.unsubscribe) stop();
  }

  /** `/invalidate <text>` typed by `user` in the channel. */
  async command(user: string, text: string): Promise<void> {
    const id = this.nextId('cmd');
    this.responseTargets.set(id, { user });
    const answer = await postSigned(
      this.bot.url,
      this.bot.signingSecret,
      commandBody({
        user,
        text,
        channel: this.channel.id,
        channelName: this.channel.name,
        responseUrl: this.slack.responseUrl(id),
        triggerId: this.trigger(user),
      }),
    );
    this.showAnswer(user, answer, `/invalidate ${text}`.trim());
  }

  /** A button click; confirm dialogs were already answered on the page. */
  async click(user: string, target: ClickTarget, click: Click): Promise<void> {
    const id = this.nextId('act');
    const container = this.container(user, target, id);
    const answer = await postSigned(
      this.bot.url,
      this.bot.signingSecret,
      blockActionsBody({
        user,
        actionId: click.actionId,
        value: click.value,
        ...(click.blockId === undefined ? {} : { blockId: click.blockId }),
        container,
        responseUrl: this.slack.responseUrl(id),
        triggerId: this.trigger(user),
        actionTs: this.nextTs(),
      }),
    );
    this.showAnswer(user, answer);
  }

  /** Submits the person's open modal with the values typed into its inputs. */
  async submitModal(
    user: string,
    viewId: string,
    values: Record<string, Record<string, string>>,
  ): Promise<void> {
    const modal = this.modals.get(user);
    if (!modal || modal.viewId !== viewId) throw new BotAnswerError('That form is no longer open.');
    const view = modal.view as { callback_id?: string; private_metadata?: string };
    const answer = await postSigned(
      this.bot.url,
      this.bot.signingSecret,
      viewSubmissionBody({
        user,
        viewId,
        callbackId: view.callback_id ?? '',
        privateMetadata: view.private_metadata ?? '',
        values: Object.fromEntries(
          Object.entries(values).map(([blockId, inputs]) => [
            blockId,
            Object.fromEntries(
              Object.entries(inputs).map(([actionId, value]) => [
                actionId,
                { type: 'plain_text_input', value },
              ]),
            ),
          ]),
        ),
        triggerId: this.trigger(user),
      }),
    );
    if (answer.status !== 200) throw new BotAnswerError(`The bot answered HTTP ${answer.status}.`);
    const action =
      answer.text === '' ? {} : (answer.json() as { response_action?: string; [key: string]: unknown });
    // https://api.slack.com/surfaces/modals#responding_to_submissions
    if (action.response_action === 'errors') {
      this.modals.set(user, { ...modal, errors: action.errors as Record<string, string> });
    } else if (action.response_action === 'update' || action.response_action === 'push') {
      this.modals.set(user, { viewId, view: action.view });
    } else {
      this.modals.delete(user);
    }
    this.changed();
  }

  closeModal(user: string): void {
    this.modals.delete(user);
    this.changed();
  }

  /** Opening the app's Home tab: Slack sends `app_home_opened`, and the bot publishes the view. */
  async openHome(user: string): Promise<void> {
    const event = {
      type: 'app_home_opened',
      user,
      channel: `D${user.slice(1)}`,
      tab: 'home',
      event_ts: this.nextTs(),
    };
    const answer = await postSigned(
      this.bot.url,
      this.bot.signingSecret,
      eventBody(event, `Ev${this.nextId('home').replace(/\W/g, '')}`),
      'json',
    );
    if (answer.status !== 200) throw new BotAnswerError(`The bot answered HTTP ${answer.status}.`);
  }

  /** Everything `user` sees now. */
  viewFor(user: string): PersonView {
    const inChannel = this.slack.messages.filter((m) => m.channel === this.channel.id);
    const replies = (ts: string) => inChannel.filter((m) => m.thread_ts === ts && m.ts !== ts).map(toMessage);
    const messages = inChannel
      .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)
      .map((m) => ({ ...toMessage(m), replies: replies(m.ts) }));
    const posted: Ephemeral[] = this.slack.ephemerals
      .map((e, index) => ({ ...e, id: `posted-${index}` }))
      .filter((e) => e.user === user && e.channel === this.channel.id);
    const ephemerals = [...this.ephemerals.filter((e) => e.user === user), ...posted].sort(
      (a, b) => a.at - b.at,
    );
    const view: PersonView = { channel: this.channel, messages, ephemerals };
    const modal = this.modals.get(user);
    if (modal) view.modal = modal;
    const home = this.slack.views.findLast((v) => v.kind === 'publish' && v.user_id === user);
    if (home) view.home = { viewId: home.id, view: home.view };
    return view;
  }

  private container(user: string, target: ClickTarget, responseId: string): ActionContainer {
    switch (target.kind) {
      case 'message':
        this.responseTargets.set(responseId, { user });
        return { type: 'message', channel: this.channel.id, messageTs: target.ts };
      case 'ephemeral': {
        const ephemeral = this.ephemerals.find((e) => e.id === target.id && e.user === user);
        if (!ephemeral) throw new BotAnswerError('That message is gone.');
        this.responseTargets.set(responseId, { user, ephemeralId: ephemeral.id });
        return { type: 'message', channel: this.channel.id, messageTs: tsOf(ephemeral.at), ephemeral: true };
      }
      case 'home': {
        const home = this.viewFor(user).home;
        if (!home) throw new BotAnswerError('Open the Home tab first.');
        return { type: 'view', viewId: home.viewId };
      }
      default: {
        const unknown: never = target;
        throw new BotAnswerError(`Unknown click target ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The synchronous answer to a command or click: an ephemeral reply when it carries a message. */
  private showAnswer(user: string, answer: SlackAnswer, command?: string): void {
    if (answer.status !== 200) {
      this.addEphemeral(
        user,
        { text: `The bot answered HTTP ${answer.status}: ${answer.text.slice(0, 300)}` },
        command,
      );
      return;
    }
    const message = parseMessage(answer.text);
    if (message || command) this.addEphemeral(user, message ?? { text: '' }, command);
    this.changed();
  }

  private responded(response: ResponseUrlMessage): void {
    const target = this.responseTargets.get(response.id);
    if (!target) return;
    const body = response.body as { replace_original?: unknown; delete_original?: unknown };
    const message = parseMessage(JSON.stringify(response.body)) ?? { text: '' };
    const original = target.ephemeralId && this.ephemerals.find((e) => e.id === target.ephemeralId);
    if (original && isTrue(body.delete_original)) {
      this.ephemerals.splice(this.ephemerals.indexOf(original), 1);
    } else if (original && isTrue(body.replace_original)) {
      Object.assign(original, { text: message.text, blocks: message.blocks });
    } else {
      this.addEphemeral(target.user, message);
    }
  }

  /** Tracks the modal each person has open, from the bot's views.open and views.update calls. */
  private viewCall(call: SlackCall): void {
    if (call.error !== undefined) return;
    if (call.method === 'views.open' || call.method === 'views.push') {
      const triggerId = String(call.args.trigger_id ?? '');
      const user = this.triggers.get(triggerId);
      const recorded = this.slack.views.findLast((v) => v.trigger_id === triggerId);
      if (user && recorded) this.modals.set(user, { viewId: recorded.id, view: recorded.view });
    }
    if (call.method === 'views.update') {
      const viewId = String(call.args.view_id ?? '');
      for (const [user, modal] of this.modals) {
        if (modal.viewId === viewId) this.modals.set(user, { viewId, view: call.args.view });
      }
    }
  }

  private addEphemeral(user: string, message: { text: string; blocks?: unknown[] }, command?: string): void {
    const ephemeral: Ephemeral = { id: this.nextId('eph'), user, text: message.text, at: Date.now() };
    if (message.blocks) ephemeral.blocks = message.blocks;
    if (command) ephemeral.command = command;
    this.ephemerals.push(ephemeral);
    this.changed();
  }

  private trigger(user: string): string {
    const id = this.nextId('trigger');
    this.triggers.set(id, user);
    return id;
  }

  private nextId(kind: string): string {
    this.sequence += 1;
    return `${kind}-${this.sequence}`;
  }

  private nextTs(): string {
    return tsOf(Date.now());
  }
}

function toMessage(message: StoredMessage): ChannelMessage {
  const out: ChannelMessage = {
    ts: message.ts,
    user: message.user,
    text: message.text,
    edited: message.updates > 0,
    at: Math.round(Number(message.ts) * 1000),
    replies: [],
  };
  if (message.blocks) out.blocks = message.blocks;
  return out;
}

/** A message body (`text`, `blocks`) from a JSON or plain-text answer; undefined when empty. */
function parseMessage(body: string): { text: string; blocks?: unknown[] } | undefined {
  if (body.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { text: body };
  }
  if (typeof value === 'string') return { text: value };
  if (typeof value !== 'object' || value === null) return undefined;
  const { text, blocks } = value as { text?: unknown; blocks?: unknown };
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  if (typeof text !== 'string' && !hasBlocks) return undefined;
  return {
    text: typeof text === 'string' ? text : '',
    ...(hasBlocks ? { blocks: blocks as unknown[] } : {}),
  };
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function tsOf(epochMs: number): string {
  return `${Math.floor(epochMs / 1000)}.${String((epochMs % 1000) * 1000).padStart(6, '0')}`;
}
