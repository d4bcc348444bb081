import { distributionWithId } from './request/model.js';
/**
 * The AWS accounts the bot invalidates in. CloudFront bills invalidations per account (the first 1,000
 * paths of a month are free in each, https://aws.amazon.com/cloudfront/pricing/), so usage, the free
 * allowance and the cost of a request are counted per account. A distribution with a `roleArn` is in
 * that role's account; one without is in the bot's own account, the home account.
 */

/** The home account's key: the bot's own account, whose id the config may or may not name. */
export const HOME_ACCOUNT = 'home';

/** What the accounts are read from: the policy's distributions and the bot's own account id, if named. */
export interface AccountPolicy {
  accountId?: string;
  distributions: ReadonlyArray<{ id: string; ids?: string[]; roleArn?: string }>;
}

/** The 12-digit account id inside an IAM role ARN (`arn:<partition>:iam::<account>:role/…`). */
export function accountIdOfRole(roleArn: string): string {
  return roleArn.split(':')[4] ?? '';
}

/**
 * The account key of a role (its account id), or HOME_ACCOUNT without one. A role in the bot's own
 * account (its id equal to `accountId`) bills there: it is the home account too.
 */
export function accountOfRole(policy: Pick<AccountPolicy, 'accountId'>, roleArn: string | undefined): string {
  if (roleArn === undefined) return HOME_ACCOUNT;
  const account = accountIdOfRole(roleArn);
  return account === policy.accountId ? HOME_ACCOUNT : account;
}

/** The account key of a configured distribution; undefined for one the config does not name. */
export function accountOfDistribution(policy: AccountPolicy, distributionId: string): string | undefined {
  const distribution = distributionWithId(policy.distributions, distributionId);
  return distribution && accountOfRole(policy, distribution.roleArn);
}

/**
 * Every account the config names, home first when a distribution is in it, then each role's account in
 * the order the config first names it.
 */
export function configuredAccounts(policy: AccountPolicy): string[] {
  const accounts = policy.distributions.map((d) => accountOfRole(policy, d.roleArn));
  const unique = [...new Set(accounts)];
  return unique.includes(HOME_ACCOUNT) ? [HOME_ACCOUNT, ...unique.filter((a) => a !== HOME_ACCOUNT)] : unique;
}

/** The accounts besides home: each counts its paths in a counter of its own (core/reservations.ts). */
export function roleAccounts(policy: AccountPolicy): string[] {
  return configuredAccounts(policy).filter((account) => account !== HOME_ACCOUNT);
}

/** How reports name an account: its id, the bot's own id when the config names it, else "this account". */
export function accountLabel(policy: Pick<AccountPolicy, 'accountId'>, account: string): string {
  if (account !== HOME_ACCOUNT) return account;
  return policy.accountId ?? 'this account';
}
