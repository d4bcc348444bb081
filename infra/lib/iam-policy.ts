import type { PolicyConfig } from '../../src/config.js';
import { accountIdOfRole } from '../../src/core/accounts.js';
import { distributionIds } from '../../src/core/request.js';
import {
  assumeRoleGrant,
  cloudFrontGrant,
  type Grant,
  reconcileGrants,
  SLACK_CLOUDFRONT_ACTIONS,
  SLACK_TENANT_ACTIONS,
  tableGrant,
  WORKER_CLOUDFRONT_ACTIONS,
  WORKER_TENANT_ACTIONS,
} from './permissions.js';

/** Where the bot's resources are, for a server run outside the stack; any of them may be a placeholder. */
export interface ServerResources {
  partition: string;
  account: string;
  region: string;
  tableName: string;
  /** the distributions reached with the bot's own credentials */
  distributionIds: readonly string[];
  /** the roles of the distributions in other accounts */
  roleArns: readonly string[];
  /** the distribution tenants of the policy file (`tenant`) */
  tenantIds: readonly string[];
}

/** An IAM policy document, as IAM reads it. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{ Sid: string; Effect: 'Allow'; Action: string[]; Resource: string[] }>;
}

/**
 * The identity policy of the bot run as one server (`npm start`): the Slack handler's and the worker's
 * grants together, since one process does both, on the table and the policy file's distributions. Built
 * from the same grants as the construct's roles (infra/lib/permissions.ts). Logs, the secret and the worker
 * invoke are the Lambda deployment's own and stay out.
 */
export function serverPolicy(resources: ServerResources): PolicyDocument {
  const { partition, account, region, tableName } = resources;
  const distributionArns = resources.distributionIds.map(
    (id) => `arn:${partition}:cloudfront::${account}:distribution/${id}`,
  );
  const cloudFrontActions = [...new Set([...WORKER_CLOUDFRONT_ACTIONS, ...SLACK_CLOUDFRONT_ACTIONS])];
  const reconcile = reconcileGrants(`arn:${partition}:cloudfront::${account}:distribution/*`);
  const assumeRoles = assumeRoleGrant(resources.roleArns);
  const tenantArns = resources.tenantIds.map(
    (id) => `arn:${partition}:cloudfront::${account}:distribution-tenant/${id}`,
  );
  const tenantActions = [...new Set([...WORKER_TENANT_ACTIONS, ...SLACK_TENANT_ACTIONS])];
  const tenants =
    tenantArns.length === 0
      ? []
      : [statement('CloudFrontTenantInvalidations', cloudFrontGrant(tenantActions, tenantArns))];
  return {
    Version: '2012-10-17',
    Statement: [
      ...(distributionArns.length === 0
        ? []
        : [statement('CloudFrontInvalidations', cloudFrontGrant(cloudFrontActions, distributionArns))]),
      ...tenants,
      ...(assumeRoles ? [statement('AssumeDistributionRoles', assumeRoles)] : []),
      statement('CloudFrontListDistributions', reconcile.listAccount),
      statement('CloudFrontReconcile', reconcile.readInvalidations),
      statement(
        'DynamoDbItems',
        tableGrant(`arn:${partition}:dynamodb:${region}:${account}:table/${tableName}`),
      ),
    ],
  };
}

function statement(sid: string, grant: Grant): PolicyDocument['Statement'][number] {
  return { Sid: sid, Effect: 'Allow', Action: [...grant.actions].sort(), Resource: grant.resources };
}

/** What to create in another AWS account for the bot: one role, what it may do, and who may assume it. */
export interface TargetRole {
  account: string;
  roleArn: string;
  /** the distributions of the policy file reached through this role */
  distributionIds: string[];
  /** the role's permissions policy */
  permissionsPolicy: PolicyDocument;
  /** the role's trust policy: the bot's role(s) may assume it, with the external id when one is set */
  trustPolicy: TrustPolicyDocument;
}

/** A role's trust policy, as IAM reads it. */
export interface TrustPolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{
    Effect: 'Allow';
    Principal: { AWS: string | string[] };
    Action: 'sts:AssumeRole';
    Condition?: { StringEquals: { 'sts:ExternalId': string } };
  }>;
}

/**
 * For each role the policy file names (`roleArn`), in file order: its account, the permissions policy that
 * role needs there (the CloudFront actions the bot uses, on the ARNs of that role's distributions; with
 * reconciliation, ListDistributions on `*` and reading every distribution's invalidations, as at home) and
 * its trust policy (`principals`: the bot's own role or roles; `sts:ExternalId` when the file sets one).
 */
export function targetRoles(
  policy: Pick<PolicyConfig, 'distributions'>,
  options: { partition: string; principals: readonly string[]; reconciliation: boolean },
): TargetRole[] {
  const byRole = new Map<string, { externalId?: string; distributionIds: string[]; tenantIds: string[] }>();
  for (const distribution of policy.distributions) {
    if (distribution.roleArn === undefined) continue;
    const entry = byRole.get(distribution.roleArn) ?? {
      ...(distribution.externalId === undefined ? {} : { externalId: distribution.externalId }),
      distributionIds: [],
      tenantIds: [],
    };
    for (const id of distributionIds(distribution))
      if (!entry.distributionIds.includes(id)) entry.distributionIds.push(id);
    if (distribution.tenant !== undefined && !entry.tenantIds.includes(distribution.tenant))
      entry.tenantIds.push(distribution.tenant);
    byRole.set(distribution.roleArn, entry);
  }
  return [...byRole.entries()].map(([roleArn, { externalId, distributionIds: ids, tenantIds }]) => {
    const account = accountIdOfRole(roleArn);
    return {
      account,
      roleArn,
      distributionIds: ids,
      permissionsPolicy: rolePermissions(options.partition, account, ids, tenantIds, options.reconciliation),
      trustPolicy: trustPolicy(options.principals, externalId),
    };
  });
}

function rolePermissions(
  partition: string,
  account: string,
  distributionIds: readonly string[],
  tenantIds: readonly string[],
  reconciliation: boolean,
): PolicyDocument {
  const arns = distributionIds.map((id) => `arn:${partition}:cloudfront::${account}:distribution/${id}`);
  const cloudFrontActions = [...new Set([...WORKER_CLOUDFRONT_ACTIONS, ...SLACK_CLOUDFRONT_ACTIONS])];
  const reconcile = reconcileGrants(`arn:${partition}:cloudfront::${account}:distribution/*`);
  const tenantArns = tenantIds.map(
    (id) => `arn:${partition}:cloudfront::${account}:distribution-tenant/${id}`,
  );
  const tenantActions = [...new Set([...WORKER_TENANT_ACTIONS, ...SLACK_TENANT_ACTIONS])];
  return {
    Version: '2012-10-17',
    Statement: [
      statement('CloudFrontInvalidations', cloudFrontGrant(cloudFrontActions, arns)),
      ...(tenantArns.length === 0
        ? []
        : [statement('CloudFrontTenantInvalidations', cloudFrontGrant(tenantActions, tenantArns))]),
      ...(reconciliation
        ? [
            statement('CloudFrontListDistributions', reconcile.listAccount),
            statement('CloudFrontReconcile', reconcile.readInvalidations),
          ]
        : []),
    ],
  };
}

/**
 * Who may assume the role: the bot's role(s), and only with the external id when the file sets one.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
 */
function trustPolicy(principals: readonly string[], externalId: string | undefined): TrustPolicyDocument {
  const principal = principals.length === 1 ? (principals[0] ?? '') : [...principals];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: principal },
        Action: 'sts:AssumeRole',
        ...(externalId === undefined
          ? {}
          : { Condition: { StringEquals: { 'sts:ExternalId': externalId } } }),
      },
    ],
  };
}
