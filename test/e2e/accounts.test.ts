import { afterAll, describe, expect, it } from 'vitest';
import { type StsStandIn, startStsStandIn } from '../../src/standins/sts-standin.js';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const HOME_ACCOUNT_ID = '111111111111';
const BLUE_ACCOUNT_ID = '222222222222';
const BLUE_ROLE = `arn:aws:iam::${BLUE_ACCOUNT_ID}:role/invalidator`;
const BLUE = 'EBLUE00000001';
const EXTERNAL_ID = 'invalidator-blue-2026';

describe('distributions in two AWS accounts, through the running bot', () => {
  let sts: StsStandIn;
  let stack: Stack;
  afterAll(async () => {
    await stack?.close();
    await sts?.close();
  });

  it("invalidates each with its own account's keys, and shows usage per account with each one's free allowance", async () => {
    sts = await startStsStandIn({ roles: [{ arn: BLUE_ROLE, externalId: EXTERNAL_ID }] });
    const base = testConfig();
    stack = await startStack({
      config: {
        ...base,
        distributions: {
          ...(base.distributions as Record<string, unknown>),
          blue: { id: BLUE, approval: 'never', roleArn: BLUE_ROLE, externalId: EXTERNAL_ID },
        },
        accountId: HOME_ACCOUNT_ID,
        // Two free paths a month in each account, a dollar a path after them.
        cost: { freePathsPerMonth: 2, pricePerPathUsd: 1 },
        reconciliation: { enabled: false },
      },
      cloudfront: {
        accounts: {
          home: HOME_ACCOUNT_ID,
          ofDistribution: { [BLUE]: BLUE_ACCOUNT_ID },
          ofKey: sts.accountOfKey,
        },
      },
      env: { AWS_ENDPOINT_URL_STS: sts.url },
    });
    const bot = await stack.startBot();
    const slack = stack.sender(bot);

    await slack.command(USERS.requester, 'docs /a.html /b.html /c.html');
    await slack.command(USERS.requester, 'blue /a.html /b.html /c.html');
    await stack.slack.waitFor(
      () => stack.slack.messages.filter((m) => m.thread_ts && m.text.includes('completed in')).length >= 2,
    );

    // The stand-in answers a call signed by another account's keys with AccessDenied: both were created.
    const creates = stack.cloudfront.calls.filter((c) => c.operation === 'create');
    expect(creates.map((c) => [c.distributionId, c.status]).sort()).toEqual([
      [BLUE, 201],
      [DISTRIBUTIONS.docs, 201],
    ]);
    const signer = (id: string) => creates.find((c) => c.distributionId === id)?.signedBy ?? '';
    expect(signer(DISTRIBUTIONS.docs)).toBe('AKIDLOCAL');
    expect(sts.roleOfKey(signer(BLUE))).toBe(BLUE_ROLE);
    expect(sts.calls).toEqual([
      expect.objectContaining({
        roleArn: BLUE_ROLE,
        externalId: EXTERNAL_ID,
        signedBy: 'AKIDLOCAL',
        status: 200,
      }),
    ]);
    // Polling the blue invalidation went through the role too.
    const blueCalls = stack.cloudfront.calls.filter((c) => c.distributionId === BLUE);
    expect(blueCalls.every((c) => sts.accountOfKey(c.signedBy) === BLUE_ACCOUNT_ID)).toBe(true);

    const before = stack.slack.responses.length;
    await slack.command(USERS.requester, 'usage');
    const usage = JSON.stringify((await stack.slack.waitFor(() => stack.slack.responses[before])).body);
    expect(usage).toContain('Per AWS account (each has 2 free paths a month)');
    expect(usage).toContain(
      `• \`${HOME_ACCOUNT_ID}\`: ▇▇▇▇▇▇▇▇▇▇ 150% · 3 of 2 free paths, 0 free left · $1.00`,
    );
    expect(usage).toContain(
      `• \`${BLUE_ACCOUNT_ID}\`: ▇▇▇▇▇▇▇▇▇▇ 150% · 3 of 2 free paths, 0 free left · $1.00`,
    );
    // One allowance for all six paths would have cost $4.00.
    expect(usage).toContain('Cost so far: *$2.00*');
  });
});
