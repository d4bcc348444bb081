import { describe, expect, it } from 'vitest';
import { ActionIds } from '../../../src/adapters/slack/blocks.js';
import { homeView, WAITING_SHOWN } from '../../../src/adapters/slack/report-blocks.js';
import { parseStoreConfig } from '../../../src/config.js';
import { cardPosted, createRequest, type RequestIn } from '../../../src/core/request.js';
import type { UsageSummary } from '../../../src/core/usage.js';
import type { WaitingDecisions } from '../../../src/usecases/waiting-decisions.js';
import { as, CARD, newRequest, POSTED, TIMEOUT_MS } from '../../core/request/fixtures.js';

const POLICY = parseStoreConfig(
  {},
  {
    path: 'invalidator.config.yml',
    content: { distributions: { web: { id: 'E2ABCDEF123XYZ', approval: 'never' } } },
  },
).policy;
const SUMMARY: UsageSummary = {
  month: '2026-05',
  paths: 12,
  externalPaths: 0,
  freeRemaining: 988,
  costUsd: 0,
  projectedUsd: 0,
  projectedPaths: 40,
  byDistribution: [],
  byRequester: [],
  outside: [],
};
/** Slack's limits on a Home tab and on the text of a section. https://api.slack.com/reference/block-kit/blocks */
const HOME_BLOCKS = 100;
const SECTION_TEXT = 3_000;

function waitingRequest(
  n: number,
  overrides: Parameters<typeof newRequest>[0] = {},
): RequestIn<'pending_approval'> {
  const id = `INV-HOME${String(n).padStart(4, '0')}`;
  return as(
    'pending_approval',
    cardPosted(createRequest(newRequest({ id, ...overrides })).request, CARD, POSTED, TIMEOUT_MS).request,
  );
}

const home = (waiting?: WaitingDecisions) => homeView(SUMMARY, POLICY, [], waiting);
const waitingFor = (requests: Array<RequestIn<'pending_approval'>>, unconfirmed: string[] = []) =>
  home({ approver: true, requests, unconfirmed });
/** A drawn block as JSON, with the fields these tests read. */
interface Drawn {
  type: string;
  block_id?: string;
  text?: { text: string };
  elements?: Array<{ action_id?: string; value?: string; confirm?: { title: { text: string } } }>;
}
const drawn = (blocks: readonly unknown[]): Drawn[] => JSON.parse(JSON.stringify(blocks));
const texts = (blocks: readonly unknown[]) =>
  drawn(blocks).flatMap((block) => (block.text ? [block.text.text] : []));
const buttons = (blocks: readonly unknown[]) =>
  drawn(blocks).flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []));

describe('the App Home tab', () => {
  it('lists what waits for the approver above their own requests, with the card’s Approve and Deny', () => {
    const request = waitingRequest(1, { reason: 'release 4.2' });
    const { blocks } = waitingFor([request]);
    const said = texts(blocks);
    const waitingAt = said.findIndex((text) => text.startsWith('*Waiting for you*'));
    const mineAt = said.findIndex((text) => text.startsWith('*Your recent requests*'));
    expect(waitingAt).toBeGreaterThan(-1);
    expect(waitingAt).toBeLessThan(mineAt);
    const entry = said.find((text) => text.includes(request.id)) ?? '';
    const expires = Math.floor(Date.parse(request.expiresAt) / 1000);
    for (const part of [
      '`web`',
      '2 paths',
      '<@U0DEV>',
      `<#${CARD.channel}>`,
      'release 4.2',
      `<!date^${expires}^`,
    ])
      expect(entry).toContain(part);
    expect(buttons(blocks).map((b) => [b.action_id, b.value])).toEqual([
      [ActionIds.approve, request.id],
      [ActionIds.deny, request.id],
    ]);
  });

  it('asks for a second look before approving /* from the Home tab, as the card does', () => {
    const [approve] = buttons(waitingFor([waitingRequest(1, { paths: ['/*'] })]).blocks);
    expect(approve?.confirm?.title.text).toBe('Approve /* ?');
    const [plainApprove] = buttons(waitingFor([waitingRequest(2)]).blocks);
    expect(plainApprove?.confirm).toBeUndefined();
  });

  it('escapes and clips the reason people typed', () => {
    const reason = `<!channel> & <@U0EVIL> ${'x'.repeat(5_000)}`;
    const entry = texts(waitingFor([waitingRequest(1, { reason })]).blocks).find((t) =>
      t.includes('INV-HOME'),
    );
    expect(entry).toContain('&lt;!channel&gt; &amp; &lt;@U0EVIL&gt;');
    expect(entry).not.toContain('<!channel>');
    expect(entry).toMatch(/more characters\)/);
    expect(entry?.length ?? 0).toBeLessThan(600);
  });

  it('lists at most WAITING_SHOWN requests within Slack’s limits, and says how many more and where', () => {
    const requests = Array.from({ length: 60 }, (_, i) => waitingRequest(i, { reason: '&'.repeat(3_000) }));
    const { blocks } = waitingFor(requests, ['docs']);
    expect(blocks.length).toBeLessThanOrEqual(HOME_BLOCKS);
    for (const text of texts(blocks)) expect(text.length).toBeLessThanOrEqual(SECTION_TEXT);
    const ids = drawn(blocks).flatMap((block) => (block.block_id ? [block.block_id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    expect(buttons(blocks)).toHaveLength(WAITING_SHOWN * 2);
    const said = JSON.stringify(blocks);
    expect(said).toContain('(60)');
    expect(said).toContain(`and ${60 - WAITING_SHOWN} more requests waiting`);
    expect(said).toContain('in their channels');
    expect(said).toContain('who approves `docs`');
  });

  it('tells an approver briefly when nothing waits, and leaves the section out for everyone else', () => {
    expect(JSON.stringify(waitingFor([]).blocks)).toContain('Nothing is waiting for your decision.');
    const outsider = JSON.stringify(home({ approver: false, requests: [], unconfirmed: ['docs'] }));
    expect(outsider).not.toContain('Waiting for you');
    expect(JSON.stringify(home())).not.toContain('Waiting for you');
    expect(JSON.stringify(home({ approver: false, requests: [], unconfirmed: [] }))).not.toContain(
      ActionIds.approve,
    );
  });

  it('says when the list rests on who was on call within the last minute', () => {
    const snapshot = JSON.stringify(
      home({ approver: true, requests: [waitingRequest(1)], unconfirmed: [], onCallSnapshot: true }),
    );
    expect(snapshot).toContain('as it read within the last minute');
    expect(JSON.stringify(waitingFor([waitingRequest(2)]))).not.toContain('within the last minute');
  });
});
