import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudFrontAccounts, ROLE_SESSION_NAME } from '../../../src/adapters/aws/cloudfront-accounts.js';
import { type StsStandIn, startStsStandIn } from '../../../src/standins/sts-standin.js';
import { CdnError } from '../../../src/usecases/ports.js';
import { type CloudFrontStandIn, startCloudFrontStandIn } from '../../support/cloudfront-standin.js';

const HOME_KEY = 'AKIDHOMEACCOUNT';
const HOME_ACCOUNT_ID = '111111111111';
const BLUE_ROLE = 'arn:aws:iam::222222222222:role/invalidator';
const GREEN_ROLE = 'arn:aws:iam::333333333333:role/platform/invalidator';
const GREEN_EXTERNAL_ID = 'team-green:2026';

/** web in the bot's own account, blue in 2222…, green in 3333… behind an external id. */
const POLICY = {
  accountId: HOME_ACCOUNT_ID,
  distributions: [
    { id: 'EHOMEWEB00001' },
    { id: 'EBLUEWEB00001', roleArn: BLUE_ROLE },
    { id: 'EBLUEAPI00001', roleArn: BLUE_ROLE },
    { id: 'EGREEN0000001', roleArn: GREEN_ROLE, externalId: GREEN_EXTERNAL_ID },
    // one site behind two distributions of the blue account: the role reaches both
    { id: 'EBLUESITE0001', ids: ['EBLUESITE0001', 'EBLUESITE0002'], roleArn: BLUE_ROLE },
  ],
};

const ACCOUNT_OF_DISTRIBUTION = {
  EBLUEWEB00001: '222222222222',
  EBLUEAPI00001: '222222222222',
  EBLUEOTHER001: '222222222222',
  EGREEN0000001: '333333333333',
  EBLUESITE0001: '222222222222',
  EBLUESITE0002: '222222222222',
};

/** The SDK's own variables, as the bot runs with them: endpoints of the stand-ins, the home credentials. */
function sdkEnvironment(cloudFront: string, sts: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_CLOUDFRONT: cloudFront,
    AWS_ENDPOINT_URL_STS: sts,
    AWS_ACCESS_KEY_ID: HOME_KEY,
    AWS_SECRET_ACCESS_KEY: 'home-secret',
    AWS_MAX_ATTEMPTS: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

let sts: StsStandIn;
let cloudFront: CloudFrontStandIn;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  sts = await startStsStandIn({
    roles: [{ arn: BLUE_ROLE }, { arn: GREEN_ROLE, externalId: GREEN_EXTERNAL_ID }],
  });
  cloudFront = await startCloudFrontStandIn({
    accounts: { home: HOME_ACCOUNT_ID, ofDistribution: ACCOUNT_OF_DISTRIBUTION, ofKey: sts.accountOfKey },
  });
  for (const [name, value] of Object.entries(sdkEnvironment(cloudFront.url, sts.url))) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
});

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await Promise.all([sts.close(), cloudFront.close()]);
});

beforeEach(() => {
  sts.calls.splice(0);
  cloudFront.calls.splice(0);
});

afterEach(() => {
  sts.setRole({ arn: BLUE_ROLE });
});

function newCdn(listedAccount?: (id: string) => Promise<string | undefined>) {
  return cloudFrontAccounts({
    policy: POLICY,
    region: 'us-east-1',
    requestTimeoutMs: 5000,
    ...(listedAccount ? { listedAccount } : {}),
  });
}

let reference = 0;
function create(cdn: ReturnType<typeof newCdn>, distributionId: string) {
  reference += 1;
  return cdn.create({ distributionId, paths: ['/index.html'], callerReference: `ref-${reference}` });
}

describe('CloudFront in several AWS accounts', () => {
  it("signs a role distribution's calls with the role's assumed keys, and the others with the bot's own", async () => {
    const cdn = newCdn();
    const blue = await create(cdn, 'EBLUEWEB00001');
    await cdn.status({ distributionId: 'EBLUEWEB00001', invalidationId: blue.invalidationId });
    await create(cdn, 'EHOMEWEB00001');

    expect(sts.calls).toEqual([
      expect.objectContaining({ roleArn: BLUE_ROLE, roleSessionName: ROLE_SESSION_NAME, status: 200 }),
    ]);
    expect(sts.calls[0]?.signedBy).toBe(HOME_KEY);
    const assumed = sts.calls[0]?.accessKeyId;
    expect(
      cloudFront.calls.map((call) => [call.operation, call.distributionId, call.signedBy, call.status]),
    ).toEqual([
      ['create', 'EBLUEWEB00001', assumed, 201],
      ['get', 'EBLUEWEB00001', assumed, 200],
      ['create', 'EHOMEWEB00001', HOME_KEY, 201],
    ]);
  });

  it("reaches every id of an alias with `ids` through the alias's role", async () => {
    const cdn = newCdn();
    await create(cdn, 'EBLUESITE0001');
    await create(cdn, 'EBLUESITE0002');
    const assumed = sts.calls[0]?.accessKeyId;
    expect(cloudFront.calls.map((call) => [call.distributionId, call.signedBy, call.status])).toEqual([
      ['EBLUESITE0001', assumed, 201],
      ['EBLUESITE0002', assumed, 201],
    ]);
  });

  it('assumes a role once for many calls at the same time, also across its distributions', async () => {
    const cdn = newCdn();
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => create(cdn, i % 2 === 0 ? 'EBLUEWEB00001' : 'EBLUEAPI00001')),
    );
    expect(sts.calls).toHaveLength(1);
    expect(new Set(cloudFront.calls.map((call) => call.signedBy))).toEqual(
      new Set([sts.calls[0]?.accessKeyId]),
    );
  });

  it('sends the external id the role requires', async () => {
    const cdn = newCdn();
    await create(cdn, 'EGREEN0000001');
    expect(sts.calls).toEqual([
      expect.objectContaining({ roleArn: GREEN_ROLE, externalId: GREEN_EXTERNAL_ID, status: 200 }),
    ]);
    expect(sts.accountOfKey(cloudFront.calls[0]?.signedBy ?? '')).toBe('333333333333');
  });

  it('assumes the role again once its credentials are about to expire', async () => {
    // The SDK refreshes five minutes before expiry: credentials for 301 s are due again after 1 s.
    sts.setRole({ arn: BLUE_ROLE, expiresInSeconds: 301 });
    const cdn = newCdn();
    await create(cdn, 'EBLUEWEB00001');
    await create(cdn, 'EBLUEWEB00001');
    expect(sts.calls).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await create(cdn, 'EBLUEWEB00001');
    expect(sts.calls).toHaveLength(2);
    const [first, second] = sts.calls.map((call) => call.accessKeyId);
    expect(first).not.toBe(second);
    expect(cloudFront.calls.map((call) => call.signedBy)).toEqual([first, first, second]);
  });

  it('turns a refusal by STS into a permanent error naming the role', async () => {
    sts.setRole({ arn: BLUE_ROLE, externalId: 'not-what-the-config-says' });
    const cdn = newCdn();
    const error = await create(cdn, 'EBLUEWEB00001').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CdnError);
    expect(error).toMatchObject({ code: 'AssumeRoleDenied', kind: 'permanent' });
    expect((error as CdnError).message).toContain(`may not assume the role ${BLUE_ROLE}`);
    expect(cloudFront.calls).toEqual([]);
  });

  it('calls a throttled STS a transient failure, worth another try', async () => {
    sts.inject({ code: 'Throttling', roleArn: BLUE_ROLE });
    const cdn = newCdn();
    await expect(create(cdn, 'EBLUEWEB00001')).rejects.toMatchObject({
      code: 'AssumeRoleFailed',
      kind: 'transient',
    });
    await expect(create(cdn, 'EBLUEWEB00001')).resolves.toHaveProperty('invalidationId');
  });

  it("lists every configured account's distributions, each tagged with its account", async () => {
    cloudFront.addDistribution({ id: 'EBLUEOTHER001' });
    const listed = await newCdn().distributions();
    const accountOf = Object.fromEntries(listed.map((d) => [d.id, d.account ?? 'home']));
    expect(accountOf).toMatchObject({
      EHOMEWEB00001: 'home',
      EBLUEWEB00001: '222222222222',
      EBLUEOTHER001: '222222222222',
      EGREEN0000001: '333333333333',
    });
    expect(
      new Set(cloudFront.calls.filter((c) => c.operation === 'distributions').map((c) => c.signedBy)).size,
    ).toBe(3);
  });

  it('reads a distribution only listing found in the account it was listed in', async () => {
    cloudFront.addDistribution({ id: 'EBLUEOTHER001' });
    const cdn = newCdn(async (id) => (id === 'EBLUEOTHER001' ? '222222222222' : undefined));
    await expect(cdn.recent('EBLUEOTHER001')).resolves.toEqual(expect.any(Array));
    expect(sts.accountOfKey(cloudFront.calls[0]?.signedBy ?? '')).toBe('222222222222');
  });

  it("is refused by the stand-in when one account's keys touch another's distribution", async () => {
    const cdn = newCdn(async () => undefined);
    // Not configured and never listed: the bot reads it with its own keys, which account 2222… refuses.
    await expect(cdn.recent('EBLUEOTHER001')).rejects.toMatchObject({ code: 'AccessDenied' });
  });
});
