import { describe, expect, it } from 'vitest';
import { approverWords } from '../../../src/adapters/slack/blocks.js';

const APPROVERS = {
  usergroup: 'S0ONCALL',
  users: ['U0LEAD'],
  pagerduty: { schedule: 'P1ABCDE' },
  opsgenie: { schedule: 'Platform On-call' },
};
const PAGERDUTY = { service: 'pagerduty' as const, schedule: 'P1ABCDE' };
const OPSGENIE = { service: 'opsgenie' as const, schedule: 'Platform On-call' };

describe('approvers on call, in words', () => {
  it('names who is on call in each schedule as the card is drawn', () => {
    expect(
      approverWords(APPROVERS, [
        { schedule: PAGERDUTY, users: ['U0ANA', 'U0BO'] },
        { schedule: OPSGENIE, users: [] },
      ]),
    ).toBe(
      '<!subteam^S0ONCALL>, <@U0LEAD>, on call in PagerDuty schedule `P1ABCDE`: <@U0ANA>, <@U0BO>, on call in Opsgenie schedule `Platform On-call`: nobody matched in Slack',
    );
  });

  it('names a schedule that could not be read, and says so', () => {
    expect(
      approverWords({ users: [], pagerduty: { schedule: 'P1ABCDE' } }, [
        { schedule: PAGERDUTY, users: undefined },
      ]),
    ).toBe('on call in PagerDuty schedule `P1ABCDE` (it could not be read just now)');
  });

  it('says whoever is on call where nobody looked (a refusal, the help)', () => {
    expect(approverWords({ users: [], opsgenie: { schedule: 'Platform On-call' } })).toBe(
      'whoever is on call in Opsgenie schedule `Platform On-call`',
    );
  });
});
