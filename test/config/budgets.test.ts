import { describe, expect, it } from 'vitest';
import { ConfigError, type PolicyConfig, parsePolicyFile } from '../../src/config.js';

const CONFIG_PATH = 'invalidator.config.yml';
const APPROVERS = { users: ['U0123LEAD'] };
const web = { id: 'E2ABCDEF123XYZ', approvers: APPROVERS };
const docs = { id: 'E3DOCS456789AB', approval: 'never' };

function parse(content: Record<string, unknown>): PolicyConfig {
  return parsePolicyFile({ path: CONFIG_PATH, content });
}

function problemsOf(content: Record<string, unknown>): string[] {
  try {
    parse(content);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('budgets in the config file', () => {
  it('keeps the old form working: monthlyPaths alone asks approval past it', () => {
    expect(parse({ distributions: { web }, budget: { monthlyPaths: 500 } }).budget).toEqual({
      monthlyPaths: 500,
      onExceed: 'approval',
    });
  });

  it('takes monthlyUsd, both figures, and onExceed, at the top level and per distribution', () => {
    const policy = parse({
      distributions: {
        web: { ...web, budget: { monthlyUsd: 12, onExceed: 'refuse' } },
        docs: {
          ...docs,
          approvers: APPROVERS,
          budget: { monthlyPaths: 2400, monthlyUsd: 3.5, onExceed: 'refuse' },
        },
      },
      budget: { monthlyUsd: 40, monthlyPaths: 9000 },
    });
    expect(policy.budget).toEqual({ monthlyUsd: 40, monthlyPaths: 9000, onExceed: 'approval' });
    expect(policy.distributions.map((d) => [d.alias, d.budget])).toEqual([
      ['web', { monthlyUsd: 12, onExceed: 'refuse' }],
      ['docs', { monthlyPaths: 2400, monthlyUsd: 3.5, onExceed: 'refuse' }],
    ]);
  });

  it.each([
    [{ budget: {} }, 'budget needs monthlyUsd or monthlyPaths (or both)'],
    [{ budget: { onExceed: 'refuse' } }, 'budget needs monthlyUsd or monthlyPaths (or both)'],
    [{ budget: { monthlyPaths: 10.5 } }, 'budget.monthlyPaths must be a whole number of paths'],
    [{ budget: { monthlyPaths: 0 } }, 'budget.monthlyPaths must be positive'],
    [{ budget: { monthlyUsd: -1 } }, 'budget.monthlyUsd must be a positive amount of USD'],
    [{ budget: { monthlyUsd: 5, onExceed: 'deny' } }, "budget.onExceed must be 'approval' or 'refuse'"],
    [{ budget: { monthlyUsd: 5, monthly: 3 } }, 'unknown key budget.monthly'],
  ])('refuses %j: %s', (top, message) => {
    expect(problemsOf({ distributions: { web }, ...top })).toEqual([`${CONFIG_PATH}: ${message}`]);
  });

  it('names the distribution whose budget is wrong', () => {
    expect(problemsOf({ distributions: { web: { ...web, budget: { onExceed: 'refuse' } } } })).toEqual([
      `${CONFIG_PATH}: distributions.web.budget needs monthlyUsd or monthlyPaths (or both)`,
    ]);
  });

  it('asks for approvers where a budget can ask approval, not where it refuses', () => {
    const nobody = { id: docs.id, approval: 'never' };
    expect(problemsOf({ distributions: { docs: { ...nobody, budget: { monthlyUsd: 3 } } } })).toEqual([
      `${CONFIG_PATH}: distributions.docs.approvers needs a usergroup or users: a budget is set (past it, approval is required), and nobody could approve`,
    ]);
    expect(
      problemsOf({ distributions: { docs: { ...nobody, budget: { monthlyUsd: 3, onExceed: 'refuse' } } } }),
    ).toEqual([]);
    expect(
      problemsOf({ distributions: { docs: nobody }, budget: { monthlyPaths: 9, onExceed: 'refuse' } }),
    ).toEqual([]);
  });
});
