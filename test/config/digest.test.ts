import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';

const ENV = { SLACK_BOT_TOKEN: 'xoxb-123-abc', SLACK_SIGNING_SECRET: 'shh' };

function file(extra: Record<string, unknown>): Record<string, unknown> {
  return { distributions: { web: { id: 'E2ABCDEF123XYZ', approvers: { users: ['U0123LEAD'] } } }, ...extra };
}

function operations(extra: Record<string, unknown>) {
  return parseConfig(ENV, { path: 'invalidator.config.yml', content: file(extra) }).operations;
}

function problems(extra: Record<string, unknown>): string[] {
  try {
    operations(extra);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the digest key', () => {
  it('is absent unless configured', () => {
    expect(operations({}).digest).toBeUndefined();
  });

  it('posts both digests by default', () => {
    expect(operations({ digest: { channel: 'C0123LEADS' } }).digest).toEqual({
      channel: 'C0123LEADS',
      weekly: true,
      monthly: true,
    });
  });

  it('keeps a period turned off', () => {
    expect(operations({ digest: { channel: 'G0123LEADS', weekly: false } }).digest).toEqual({
      channel: 'G0123LEADS',
      weekly: false,
      monthly: true,
    });
  });

  it.each([
    [{ channel: 'D0123DM' }, 'digest.channel must be a Slack channel id (C… or G…)'],
    [{}, 'digest.channel'],
    [{ channel: 'C0123LEADS', daily: true }, 'unknown key digest.daily'],
  ])('refuses %j', (digest, problem) => {
    expect(problems({ digest }).join('\n')).toContain(problem);
  });
});
