import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';

const ENV = { SLACK_BOT_TOKEN: 'xoxb-123-abc', SLACK_SIGNING_SECRET: 'shh' };
const APPROVERS = { users: ['U0123LEAD'] };

function policyOf(content: unknown) {
  return parseConfig(ENV, { path: 'invalidator.config.yml', content }).policy;
}

function problemsOf(content: unknown): string[] {
  try {
    policyOf(content);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('requesterLimits in the config file', () => {
  it('is off by default', () => {
    const policy = policyOf({ distributions: { web: { id: 'E2ABCDEF123XYZ', approvers: APPROVERS } } });
    expect(policy.distributions[0]?.policy.requesterLimits).toBeUndefined();
  });

  it('applies the top-level limits to every distribution, unless one sets its own', () => {
    const policy = policyOf({
      requesterLimits: { pathsPerHour: 500, requestsPerHour: 20 },
      distributions: {
        web: { id: 'E2ABCDEF123XYZ', approvers: APPROVERS },
        docs: { id: 'EDOCS00000001', approvers: APPROVERS, requesterLimits: { requestsPerHour: 5 } },
      },
    });
    expect(policy.distributions.map((d) => d.policy.requesterLimits)).toEqual([
      { pathsPerHour: 500, requestsPerHour: 20 },
      { requestsPerHour: 5 },
    ]);
  });

  it.each([
    [{ pathsPerHour: 0 }, 'requesterLimits.pathsPerHour'],
    [{ requestsPerHour: 1.5 }, 'requesterLimits.requestsPerHour'],
    [{ perDay: 3 }, 'unknown key requesterLimits.perDay'],
  ])('refuses %j, naming the key', (limits, named) => {
    const problems = problemsOf({
      requesterLimits: limits,
      distributions: { web: { id: 'E2ABCDEF123XYZ', approvers: APPROVERS } },
    });
    expect(problems.join('\n')).toContain(named);
  });

  it('needs someone to approve on a distribution whose requesters can go past a limit', () => {
    const problems = problemsOf({
      requesterLimits: { requestsPerHour: 5 },
      distributions: { docs: { id: 'EDOCS00000001', approval: 'never' } },
    });
    expect(problems.join('\n')).toContain('distributions.docs.approvers');
  });
});
