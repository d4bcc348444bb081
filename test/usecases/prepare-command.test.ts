import { describe, expect, it } from 'vitest';
import { commandRefusalText } from '../../src/adapters/slack/messages.js';
import type { DistributionConfig, PolicyConfig } from '../../src/config.js';
import { MAX_ITEM_BYTES } from '../../src/core/item-size.js';
import { prepareOffline } from '../support/facts.js';

const web: DistributionConfig = {
  alias: 'web',
  id: 'E2ABCDEF123XYZ',
  policy: { mode: 'wildcard', rootWildcard: false, pastFreeAllowance: false },
  approvers: { users: ['U0LEAD'] },
  selfApproval: false,
};

const docs: DistributionConfig = { ...web, alias: 'docs', id: 'E3DOCS0000ABCD' };

const policy = {
  distributions: [web, docs],
  approvalTimeoutMinutes: 30,
  maxPathsPerRequest: 3000,
  cost: { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 },
} as PolicyConfig;

const paths = (count: number, length: number) =>
  Array.from({ length: count }, (_, i) => `/${String(i).padStart(length - 1, 'p')}`).join(' ');

describe('a request too large to record is refused before anything is recorded', () => {
  it.each([
    [
      '3,000 paths of 150 characters',
      `web ${paths(3000, 150)}`,
      /too large to record.*400 KB.*Send the paths in 2 requests of at most [\d,]+ paths each/,
    ],
    [
      'one path pasted 60,000 times',
      `web ${'/same/path/to/a/file.html '.repeat(60_000)}`,
      /too large to record.*400 KB.*Leave out the 59,999 items that repeat a path/,
    ],
  ])('%s: refused, saying how to make it fit', async (_name, text, advice) => {
    const prepared = await prepareOffline(policy, text, 'C0DEPLOY');
    expect(prepared.ok).toBe(false);
    if (prepared.ok) return;
    expect(prepared.error).toMatchObject({ code: 'too_large', max: MAX_ITEM_BYTES });
    expect(commandRefusalText(prepared.error)).toMatch(advice);
  });

  it('takes the most paths a request may have when they are of a usual length', async () => {
    const prepared = await prepareOffline(policy, `web ${paths(3000, 60)}`, 'C0DEPLOY');
    expect(prepared.ok).toBe(true);
  });
});

describe('a mistyped distribution or sub-command is answered with what was probably meant', () => {
  const answer = async (text: string) => {
    const prepared = await prepareOffline(policy, text, 'C0DEPLOY');
    if (prepared.ok) throw new Error(`\`${text}\` was accepted`);
    return commandRefusalText(prepared.error);
  };

  it.each([
    ['a swapped pair', 'wbe /index.html', 'Did you mean `web`?'],
    ['capitals and a missing letter', 'DCS /a', 'Did you mean `docs`?'],
    ['a mistyped alias with no paths yet', 'wbe', 'Did you mean `web`?'],
    ['a list of a mistyped distribution', 'list dcos', 'Did you mean `docs`?'],
    ['a list of mine of a mistyped distribution', 'list mine wbe', 'Did you mean `web`?'],
  ])('suggests the alias for %s', async (_, text, suggestion) => {
    const words = await answer(text);
    expect(words).toContain(`I don't know the distribution \``);
    expect(words).toContain(suggestion);
    expect(words).toContain('Use one of: `web` (E2ABCDEF123XYZ), `docs` (E3DOCS0000ABCD).');
  });

  it.each([
    ['status with a swapped pair', 'stauts INV-7K2M9QX4PA', '`/invalidate status INV-7K2M9QX4PA`'],
    ['cancel with a wrong letter', 'cancle inv-7k2m9qx4pa', '`/invalidate cancel inv-7k2m9qx4pa`'],
    ['list with the words after it', 'lsit mine', '`/invalidate list mine`'],
    ['a sub-command alone', 'stauts', '`/invalidate status`'],
    ['help, without what followed it', 'hlep /a', '`/invalidate help`'],
    ['a long rest, left out', `stauts ${'/a'.repeat(100)}`, '`/invalidate status …`'],
    ['a rest holding a backtick and markup', 'stauts <x>`*', '`/invalidate status &lt;x&gt;ˋ*`'],
  ])('shows the corrected command for %s', async (_, text, corrected) => {
    expect(await answer(text)).toContain(`Did you mean ${corrected}?`);
  });

  it.each([
    ['a different word', 'nowhere /a'],
    ['a word two slips from a short alias', 'wxbx /a'],
    ['a list of a different word', 'list nowhere'],
    ['a list of a word near a sub-command only', 'list stauts'],
    ['a pasted page', `${'w'.repeat(100_000)} /a`],
  ])('suggests nothing for %s', async (_, text) => {
    const words = await answer(text);
    expect(words).toContain("I don't know the distribution");
    expect(words).not.toContain('Did you mean');
  });

  it('asks for paths after a word that is near nothing', async () => {
    expect(await answer('nowhere')).toContain('Name at least one path after `nowhere`');
  });

  it('asks for paths after a known alias', async () => {
    expect(await answer('web')).toContain('Name at least one path after `web`');
  });
});
