import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { Cdn } from '../../usecases/ports.js';
import { type AccountCdnOptions, type AssumedRole, accountCdn, namingRoleFailures } from './account-cdn.js';
import { CloudFrontCdn } from './cloudfront.js';

/** The session name CloudTrail shows in the distribution's account for the bot's calls. */
export const ROLE_SESSION_NAME = 'invalidator';

export interface CloudFrontAccountsOptions {
  policy: AccountCdnOptions['policy'];
  /** the SDK's region (CloudFront is global; STS answers in it) */
  region: string;
  requestTimeoutMs: number;
  listedAccount?: AccountCdnOptions['listedAccount'];
}

/**
 * CloudFront in every account the policy names: the bot's own credentials for distributions without a
 * role, and per role a client whose credentials come from STS AssumeRole (`fromTemporaryCredentials`).
 * The client keeps them until five minutes before they expire (the SDK's identity cache, shared by
 * concurrent calls, so one AssumeRole serves them all), then assumes the role again. STS's endpoint is
 * the SDK's own choice, so `AWS_ENDPOINT_URL_STS` points it elsewhere as for any service.
 */
export function cloudFrontAccounts(options: CloudFrontAccountsOptions): Cdn {
  const requestHandler = { requestTimeout: options.requestTimeoutMs, throwOnRequestTimeout: true };
  const clientFor = (credentials?: CloudFrontClient['config']['credentials']) =>
    new CloudFrontCdn(
      new CloudFrontClient({
        region: options.region,
        requestHandler,
        ...(credentials ? { credentials } : {}),
      }),
    );
  return accountCdn({
    policy: options.policy,
    home: clientFor(),
    forRole: (role) => clientFor(roleCredentials(role, options.region, requestHandler)),
    ...(options.listedAccount ? { listedAccount: options.listedAccount } : {}),
  });
}

function roleCredentials(
  role: AssumedRole,
  region: string,
  requestHandler: { requestTimeout: number; throwOnRequestTimeout: boolean },
) {
  const provider = fromTemporaryCredentials({
    params: {
      RoleArn: role.roleArn,
      RoleSessionName: ROLE_SESSION_NAME,
      ...(role.externalId === undefined ? {} : { ExternalId: role.externalId }),
    },
    clientConfig: { region, requestHandler },
  });
  return namingRoleFailures(role, provider);
}
