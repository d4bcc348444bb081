import type { InputBlock, KnownBlock, StaticSelect } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  FormIds,
  MAX_OPTIONS,
  PATHS_MAX_LENGTH,
  prefilledPaths,
  requestFormModal,
  withPreview,
} from '../../../src/adapters/slack/request-form.js';
import type { DistributionConfig } from '../../../src/config.js';

const distribution = (i: number): DistributionConfig =>
  ({
    alias: `site-${i}-${'x'.repeat(i % 3 === 0 ? 120 : 3)}`,
    id: `E${String(i).padStart(12, '0')}`,
  }) as DistributionConfig;

const selectOf = (blocks: readonly KnownBlock[]) => {
  const input = blocks.find((b): b is InputBlock => b.block_id === FormIds.distributionBlock);
  return input?.element as StaticSelect;
};

describe('requestFormModal', () => {
  it("stays within Slack's limits with many distributions and long aliases", () => {
    const distributions = Array.from({ length: 250 }, (_, i) => distribution(i));
    const modal = requestFormModal({
      channel: 'C1',
      distributions,
      leftOut: 3,
      pathsText: '/a'.repeat(5000),
    });
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    const options = selectOf(modal.blocks).options ?? [];
    expect(options).toHaveLength(MAX_OPTIONS);
    for (const option of options) {
      expect(option.text.text.length).toBeLessThanOrEqual(75);
      expect(option.value?.length ?? 0).toBeLessThanOrEqual(150);
    }
    const paths = modal.blocks.find((b): b is InputBlock => b.block_id === FormIds.pathsBlock);
    const element = paths?.element;
    expect(element?.type === 'plain_text_input' && element.initial_value?.length).toBeLessThanOrEqual(
      PATHS_MAX_LENGTH,
    );
    expect(modal.private_metadata).toBe(JSON.stringify({ channel: 'C1' }));
    expect(modal.title.text.length).toBeLessThanOrEqual(24);
  });

  it('dispatches each character typed in the paths, and distribution changes', () => {
    const modal = requestFormModal({ channel: 'C1', distributions: [distribution(1)] });
    const paths = modal.blocks.find((b): b is InputBlock => b.block_id === FormIds.pathsBlock);
    expect(paths?.dispatch_action).toBe(true);
    expect(paths?.element).toMatchObject({
      multiline: true,
      dispatch_action_config: { trigger_actions_on: ['on_character_entered'] },
    });
    const select = modal.blocks.find((b): b is InputBlock => b.block_id === FormIds.distributionBlock);
    expect(select?.dispatch_action).toBe(true);
  });

  it('preselects only a listed distribution', () => {
    const listed = requestFormModal({
      channel: 'C1',
      distributions: [distribution(1)],
      selected: 'site-1-xxx',
    });
    expect(selectOf(listed.blocks).initial_option?.value).toBe('site-1-xxx');
    const other = requestFormModal({ channel: 'C1', distributions: [distribution(1)], selected: 'secret' });
    expect(selectOf(other.blocks).initial_option).toBeUndefined();
  });

  it('replaces only the preview when redrawn, keeping the options it opened with', () => {
    const modal = requestFormModal({ channel: 'C1', distributions: [distribution(1), distribution(2)] });
    const redrawn = withPreview(
      { blocks: modal.blocks, private_metadata: modal.private_metadata ?? '' },
      { kind: 'refused', refusal: { code: 'too_many_paths', count: 4000, max: 3000 } },
    );
    expect(redrawn.blocks.slice(0, 3)).toEqual(modal.blocks.slice(0, 3));
    expect(JSON.stringify(redrawn.blocks.at(-1))).toContain('4,000 paths');
    expect(redrawn.private_metadata).toBe(modal.private_metadata);
  });
});

describe('prefilledPaths', () => {
  it('fills the field with whole paths up to its limit and counts the rest', () => {
    const paths = Array.from({ length: 400 }, (_, i) => `/release/${i}/index.html`);
    const { text, leftOut } = prefilledPaths(paths);
    expect(text.length).toBeLessThanOrEqual(PATHS_MAX_LENGTH);
    const lines = text.split('\n');
    expect(lines).toEqual(paths.slice(0, lines.length));
    expect(leftOut).toBe(400 - lines.length);
    expect(leftOut).toBeGreaterThan(0);
  });
});
