import { accountOfRole, configuredAccounts, HOME_ACCOUNT } from '../../core/accounts.js';
import { distributionIds, distributionWithId } from '../../core/request.js';
import { type Cdn, CdnError, type DistributionSummary, PartialListingError } from '../../usecases/ports.js';

/** A role the bot assumes for the CloudFront calls on some distributions, with its external id if any. */
export interface AssumedRole {
  roleArn: string;
  externalId?: string;
}

/** What the routing reads of the policy: the bot's own account id, and each distribution's role. */
export interface AccountCdnPolicy {
  accountId?: string;
  distributions: ReadonlyArray<{ id: string; roleArn?: string; externalId?: string }>;
}

export interface AccountCdnOptions {
  policy: AccountCdnPolicy;
  /** CloudFront with the bot's own credentials, for the distributions without a role */
  home: Cdn;
  /** CloudFront with a role's credentials; called once per role, on its first call */
  forRole(role: AssumedRole): Cdn;
  /**
   * The account a distribution the config does not name was listed in (by `distributions()`, kept by
   * reconciliation); undefined for one never listed, which goes to the home account.
   */
  listedAccount?(distributionId: string): Promise<string | undefined>;
}

/**
 * A Cdn over several AWS accounts: each call on a distribution goes to the CloudFront client of its
 * account (the client of its role, one per role, whose credentials are the role's; the home client for a
 * distribution without one), and `distributions()` lists every account the config names, each summary
 * tagged with its account. Calls are routed by their distribution id alone, whatever else they carry.
 */
export function accountCdn(options: AccountCdnOptions): Cdn {
  const { policy, home } = options;
  const clients = new Map<string, Cdn>();
  const roleOf = new Map(
    policy.distributions.flatMap((d) =>
      d.roleArn === undefined
        ? []
        : distributionIds(d).map((id) => [id, roleOfDistribution(d.roleArn ?? '', d.externalId)] as const),
    ),
  );
  /** The first role the config names in each account: the one that lists it and reads what it lists. */
  const roleOfAccount = new Map<string, AssumedRole>();
  for (const d of policy.distributions) {
    const account = accountOfRole(policy, d.roleArn);
    const role = roleOf.get(d.id);
    if (role && account !== HOME_ACCOUNT && !roleOfAccount.has(account)) roleOfAccount.set(account, role);
  }
  const clientOf = (role: AssumedRole | undefined): Cdn => {
    if (role === undefined) return home;
    const key = `${role.roleArn}\n${role.externalId ?? ''}`;
    const existing = clients.get(key);
    if (existing) return existing;
    const created = options.forRole(role);
    clients.set(key, created);
    return created;
  };
  const cdnOf = async (distributionId: string): Promise<Cdn> => {
    if (roleOf.has(distributionId)) return clientOf(roleOf.get(distributionId));
    if (distributionWithId(policy.distributions, distributionId)) return home;
    const listed = await options.listedAccount?.(distributionId);
    return clientOf(listed === undefined ? undefined : roleOfAccount.get(listed));
  };
  return {
    create: async (input) => (await cdnOf(input.distributionId)).create(input),
    status: async (input) => (await cdnOf(input.distributionId)).status(input),
    recent: async (distributionId, tenantId) =>
      (await cdnOf(distributionId)).recent(distributionId, tenantId),
    describe: async (input) => (await cdnOf(input.distributionId)).describe(input),
    invalidationsPage: async (distributionId, marker, tenantId) =>
      (await cdnOf(distributionId)).invalidationsPage(distributionId, marker, tenantId),
    distributionConfig: async (distributionId) =>
      (await cdnOf(distributionId)).distributionConfig(distributionId),
    // Each account on its own: one that refuses ListDistributions leaves the others' listings whole.
    distributions: async () => {
      const accounts = configuredAccounts(policy);
      const listings = await Promise.all(
        accounts.map(async (account): Promise<AccountListing> => {
          const client = clientOf(account === HOME_ACCOUNT ? undefined : roleOfAccount.get(account));
          try {
            return { account, listed: tagged(await client.distributions(), account) };
          } catch (error) {
            if (error instanceof CdnError && error.code === 'AccessDenied') return { account, denied: error };
            throw error;
          }
        }),
      );
      const denied = listings.flatMap(({ account, denied }) => (denied ? [{ account, denied }] : []));
      const listed = listings.flatMap((listing) => listing.listed ?? []);
      if (denied.length === 0) return listed;
      const [first] = denied;
      if (denied.length === accounts.length && first) throw first.denied;
      throw new PartialListingError(
        listed,
        denied.map(({ account }) => account),
        { cause: first?.denied },
      );
    },
  };
}

function roleOfDistribution(roleArn: string, externalId: string | undefined): AssumedRole {
  return externalId === undefined ? { roleArn } : { roleArn, externalId };
}

/** Summaries of one account, tagged with it (the home account's are left untagged, as they always were). */
/** One account's ListDistributions: what it listed, or its refusal. */
type AccountListing =
  | { account: string; listed: DistributionSummary[]; denied?: undefined }
  | { account: string; listed?: undefined; denied: CdnError };

function tagged(summaries: DistributionSummary[], account: string): DistributionSummary[] {
  return account === HOME_ACCOUNT ? summaries : summaries.map((summary) => ({ ...summary, account }));
}

/**
 * STS errors that another try will not mend: the role does not exist, or its trust policy does not let
 * the bot in (a wrong or missing external id, a wrong principal), or STS is off in the region.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_Errors
 */
const PERMANENT_STS_ERRORS = new Set([
  'AccessDenied',
  'MalformedPolicyDocument',
  'PackedPolicyTooLarge',
  'RegionDisabledException',
  'ValidationError',
]);

/**
 * Wraps a role's credential provider so that a failure to assume the role reads as what it is: a CdnError
 * naming the role (permanent when the role or its trust policy refuses the bot, transient otherwise),
 * never CloudFront's AccessDenied on a distribution. CloudFrontCdn passes a CdnError on as it is.
 */
export function namingRoleFailures<A extends unknown[], R>(
  role: AssumedRole,
  provider: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await provider(...args);
    } catch (error) {
      throw assumeRoleError(role, error);
    }
  };
}

/** The CdnError of a failed AssumeRole of `role`. */
export function assumeRoleError(role: AssumedRole, error: unknown): CdnError {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const detail = error instanceof Error ? error.message : String(error);
  if (PERMANENT_STS_ERRORS.has(name)) {
    const why = role.externalId === undefined ? '' : ' and its external id';
    return new CdnError(
      'AssumeRoleDenied',
      'permanent',
      `The bot may not assume the role ${role.roleArn} (${name}: ${detail}): check that the role exists and that its trust policy names the bot's role${why}.`,
      { cause: error },
    );
  }
  return new CdnError(
    'AssumeRoleFailed',
    'transient',
    `The bot could not assume the role ${role.roleArn} (${name}: ${detail}); it will try again.`,
    { cause: error },
  );
}
