import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { BotProcess } from '../support/bot-process.js';
import { requestIdOf, type Stack, startStack, USERS } from '../support/stack.js';

/** What someone may type that Slack would otherwise turn into mentions and links. */
const TYPED =
  'ship it @here @channel #general <!everyone> <!here> <@UTYPED0001> https://evil.example/login & co';
const DENIED = 'no @here #general <!channel> see https://evil.example/why';
const MARKERS = ['@here', '@channel', '#general', 'evil.example', '!everyone', '!here', '!channel'];
/** Slack's own mention syntax; typed text must arrive escaped, never as these. */
const LIVE_MENTIONS = ['<!here>', '<!everyone>', '<!channel>', '<@UTYPED0001>'];

interface TextObject {
  type: string;
  text: string;
  verbatim?: boolean;
}

/** Every mrkdwn text object anywhere in a payload (blocks, fields, context elements, views). */
function mrkdwnObjects(value: unknown, found: TextObject[] = []): TextObject[] {
  if (Array.isArray(value)) {
    for (const item of value) mrkdwnObjects(item, found);
  } else if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    if (object.type === 'mrkdwn' && typeof object.text === 'string')
      found.push(object as unknown as TextObject);
    for (const child of Object.values(object)) mrkdwnObjects(child, found);
  }
  return found;
}

describe('text people type reaches Slack as text', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    stack = await startStack();
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(() => stack?.close());

  async function request(text: string): Promise<string> {
    const before = new Set(stack.slack.messages.map((m) => m.ts));
    const answer = await slack.command(USERS.requester, text);
    const card = await stack.slack
      .waitFor(() => stack.slack.messages.find((m) => !m.thread_ts && !before.has(m.ts)))
      .catch(() => {
        throw new Error(`no card for ${text}: ${answer.text}`);
      });
    return requestIdOf(card.text);
  }

  it('marks every mrkdwn text carrying a reason, a deny reason or a path verbatim, with mentions escaped', async () => {
    await request(`docs /q&a.html /hello.html --reason ${TYPED}`);
    const denied = await request(`web /img/* --reason ${TYPED}`);
    await slack.click(USERS.lead, 'invalidator.deny', denied);
    await stack.slack.waitFor(() => stack.slack.views.some((v) => v.kind === 'open'));
    await slack.submitDeny(USERS.lead, denied, DENIED);
    await stack.slack.waitFor(() =>
      stack.slack.callsTo('chat.update').some((c) => JSON.stringify(c.args).includes('evil.example/why')),
    );
    const responses = stack.slack.responses.length;
    await slack.command(USERS.requester, `status ${denied}`);
    await stack.slack.waitFor(() => stack.slack.responses[responses]);
    await stack.slack.waitFor(() => stack.slack.callsTo('chat.update').length >= 2);

    const sent = [
      ...stack.slack.callsTo('chat.postMessage').map((c) => c.args),
      ...stack.slack.callsTo('chat.update').map((c) => c.args),
      ...stack.slack.views.map((v) => v.view),
      ...stack.slack.responses.map((r) => r.body),
    ];
    const objects = sent.flatMap((payload) => mrkdwnObjects(payload));
    const carrying = objects.filter((o) => MARKERS.some((marker) => o.text.includes(marker)));
    const texts = carrying.map((o) => o.text);
    // The card's reason, the denial on the card, and the status's audit trail all reached Slack.
    expect(texts.some((t) => t.startsWith('*Reason:* ship it @here'))).toBe(true);
    expect(texts.some((t) => t.includes('Denied by') && t.includes('https://evil.example/why'))).toBe(true);
    expect(texts.some((t) => t.startsWith('*Audit trail*') && t.includes('#general'))).toBe(true);
    for (const object of carrying) expect(object, object.text).toMatchObject({ verbatim: true });
    for (const text of texts) for (const mention of LIVE_MENTIONS) expect(text).not.toContain(mention);
    expect(texts.some((t) => t.includes('&lt;!here&gt; &lt;@UTYPED0001&gt;'))).toBe(true);
    expect(texts.some((t) => t.includes('evil.example/login &amp; co'))).toBe(true);
    // A path with `&` is escaped where the card lists it, and that text object is verbatim too.
    const path = objects.find((o) => o.text.includes('/q&amp;a.html'));
    expect(path).toMatchObject({ verbatim: true });
  });
});
