import type { KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  ActionIds,
  code,
  PATHS_ON_CARD,
  pathsModal,
  requestCard,
} from '../../../src/adapters/slack/blocks.js';
import { MAX_PATH_LENGTH } from '../../../src/core/paths.js';
import { created, manyPaths } from '../../core/request/fixtures.js';

const texts = (blocks: readonly KnownBlock[]) =>
  blocks.flatMap((block) => {
    if (block.type === 'section') return [block.text?.text ?? ''];
    if (block.type === 'context') return block.elements.map((e) => ('text' in e ? e.text : ''));
    return [];
  });

/** The paths a modal lists, in order: every code span in its sections after the heading. */
const listed = (blocks: readonly KnownBlock[]) =>
  blocks
    .slice(1)
    .filter((block): block is SectionBlock => block.type === 'section')
    .flatMap((block) => (block.text?.text ?? '').split('\n'))
    .map((line) => line.slice(1, -1));

function pathSection(paths: string[]): SectionBlock {
  const section = requestCard(created({ paths })).blocks[2];
  if (section?.type !== 'section') throw new Error('the card has no path section');
  return section;
}

describe('long path lists', () => {
  it(`lists the first ${PATHS_ON_CARD} paths on the card, then "and N more" with a Show all paths button`, () => {
    const section = pathSection(manyPaths(27));
    const lines = (section.text?.text ?? '').split('\n');
    expect(lines).toEqual([...manyPaths(PATHS_ON_CARD).map((p) => `\`${p}\``), '_…and 22 more paths_']);
    expect(section.accessory).toMatchObject({
      type: 'button',
      action_id: ActionIds.showPaths,
      text: { text: 'Show all paths' },
      value: created().id,
    });
  });

  it('shows no button when every path is on the card', () => {
    const section = pathSection(manyPaths(PATHS_ON_CARD));
    expect(section.text?.text.split('\n')).toHaveLength(PATHS_ON_CARD);
    expect(section.accessory).toBeUndefined();
  });

  it('opens every path, in order, in sections within Slack limits', () => {
    const paths = manyPaths(3000);
    const modal = pathsModal(created({ paths }));
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    for (const text of texts(modal.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    expect(listed(modal.blocks)).toEqual(paths);
    expect(modal.title.text.length).toBeLessThanOrEqual(24);
  });

  it('says how many paths did not fit when the list outgrows a modal, and where they are', () => {
    const paths = Array.from(
      { length: 200 },
      (_, i) => `/${String(i).padStart(3, '0')}${'é'.repeat(MAX_PATH_LENGTH / 4)}`,
    );
    const modal = pathsModal(created({ paths }));
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    for (const text of texts(modal.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    const shown = listed(modal.blocks).filter((line) => line.startsWith('/'));
    expect(shown.length).toBeGreaterThan(90);
    expect(shown).toEqual(paths.slice(0, shown.length));
    expect(texts(modal.blocks).at(-1)).toBe(
      `…and ${paths.length - shown.length} more paths: too many for one Slack window. The audit export lists every path (\`npm run audit\`).`,
    );
  });

  it('cuts a path longer than a section, saying how much it left out', () => {
    const long = `/${'a'.repeat(MAX_PATH_LENGTH - 1)}`;
    const modal = pathsModal(created({ paths: [long, '/b'] }));
    const [first, second] = listed(modal.blocks);
    expect(first?.endsWith('more characters)')).toBe(true);
    expect(second).toBe('/b');
    for (const text of texts(modal.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    for (const text of texts(modal.blocks)) expect(text).not.toBe('');
  });
});

describe('code spans', () => {
  it('name the first three wildcards and count the rest', () => {
    const wildcards = ['/a/*', '/b/*', '/c/*', '/d/*', '/e/*'];
    const request = created({
      paths: wildcards,
      approval: { ...created().approval, rules: [{ rule: 'wildcard', paths: wildcards }] },
    });
    expect(JSON.stringify(requestCard(request).blocks)).toContain(
      'wildcard paths (`/a/*`, `/b/*`, `/c/*` and 2 more)',
    );
  });

  it('keep a typed backtick from ending the span, and escape what Slack would read as markup', () => {
    expect(code('/a`b <!here> & c', 100)).toBe('`/aˋb &lt;!here&gt; &amp; c`');
  });

  it('put every path and wildcard a card names in a code span', () => {
    const request = created({
      paths: ['/images/*', '/a b.html'],
      notes: { encoded: [{ input: '/a b.html', path: '/a%20b.html' }], duplicates: [], covered: [] },
    });
    const said = JSON.stringify(requestCard(request).blocks);
    expect(said).toContain('wildcard paths (`/images/*`)');
    expect(said).toContain('`/a b.html` → `/a%20b.html`');
  });
});
