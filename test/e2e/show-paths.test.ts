import type { KnownBlock } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { BotProcess } from '../support/bot-process.js';
import { requestIdOf, type Stack, startStack, USERS } from '../support/stack.js';

const PATHS = Array.from({ length: 27 }, (_, i) => `/release/${i}/index.html`);
const LOCKED_CHANNEL = 'CLOCKED001';

const sectionTexts = (blocks: readonly KnownBlock[]) =>
  blocks.flatMap((b) => (b.type === 'section' ? [b.text?.text ?? ''] : []));

describe('"Show all paths" on a card', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;

  beforeAll(async () => {
    stack = await startStack();
    bot = await stack.startBot();
    slack = stack.sender(bot);
  });
  afterAll(() => stack?.close());

  async function request(text: string, channel?: string) {
    const before = new Set(stack.slack.messages.map((m) => m.ts));
    await slack.command(USERS.requester, text, channel);
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => !m.thread_ts && !before.has(m.ts)),
    );
    return { id: requestIdOf(card.text), card };
  }

  /** Clicks the button and returns the view the modal ends on (it opens at once, then fills). */
  async function showAll(user: string, id: string, channel?: string) {
    const views = stack.slack.views.length;
    await slack.click(user, 'invalidator.show_paths', id, channel);
    const opened = await stack.slack.waitFor(() =>
      stack.slack.views.slice(views).find((v) => v.kind === 'open'),
    );
    const filled = await stack.slack.waitFor(() =>
      stack.slack.views.slice(views).find((v) => v.kind === 'update' && v.id === opened.id),
    );
    return filled.view as { title: { text: string }; blocks: KnownBlock[] };
  }

  it('keeps the card short and opens every path in a modal', async () => {
    const { id, card } = await request(`docs ${PATHS.join(' ')}`);
    const cardText = JSON.stringify(card.blocks);
    expect(cardText).toContain('…and 22 more paths');
    expect(cardText).not.toContain(PATHS[5]);
    expect(cardText).toContain('Show all paths');

    const modal = await showAll(USERS.outsider, id);
    expect(modal.title.text).toBe('All paths');
    const lines = sectionTexts(modal.blocks).slice(1).join('\n').split('\n');
    expect(lines).toEqual(PATHS.map((p) => `\`${p}\``));
  });

  it("keeps a restricted distribution's paths to its channel", async () => {
    const { id } = await request(`locked ${PATHS.join(' ')}`, LOCKED_CHANNEL);
    const elsewhere = await showAll(USERS.outsider, id, 'COTHER0001');
    expect(JSON.stringify(elsewhere)).toContain('restricted');
    expect(JSON.stringify(elsewhere)).not.toContain(PATHS[0]);

    const there = await showAll(USERS.outsider, id, LOCKED_CHANNEL);
    expect(JSON.stringify(there)).toContain(PATHS[26]);
  });

  it('says so in the modal when the database does not answer, and the next click works', async () => {
    const { id } = await request(`docs ${PATHS.join(' ')}`);
    stack.dynamoProxy.cut();
    try {
      const modal = await showAll(USERS.outsider, id);
      expect(JSON.stringify(modal)).toContain('could not read the paths');
    } finally {
      stack.dynamoProxy.restore();
    }
    const modal = await showAll(USERS.outsider, id);
    expect(JSON.stringify(modal)).toContain(PATHS[26]);
  });

  it('answers a request it does not know', async () => {
    const modal = await showAll(USERS.outsider, 'INV-0000000000');
    expect(JSON.stringify(modal)).toContain('I have no record of request INV-0000000000');
  });
});
