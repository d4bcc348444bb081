import { aws_iam as iam, type Stack } from 'aws-cdk-lib';

/**
 * The item actions of the stores (src/adapters/aws/dynamodb/, every file but ensure-table.ts and
 * embedded-dynamodb.ts), one per command class they send. test/infra/permissions.test.ts reads those files
 * and fails when this list and the code differ. No CreateTable: the stack creates the table (`ensureTable` is not used on Lambda).
 * DescribeTable is the stores' `ping` (health.ts), so the grant follows the adapter as a whole.
 */
export const DYNAMODB_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

/**
 * What the worker does at CloudFront: submit, and poll (ListInvalidations, GetInvalidation past its first
 * page). https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudfront.html
 */
export const WORKER_CLOUDFRONT_ACTIONS = [
  'cloudfront:CreateInvalidation',
  'cloudfront:GetInvalidation',
  'cloudfront:ListInvalidations',
] as const;

/**
 * The same, for the tenants of multi-tenant distributions a policy file names (`tenant:`): their
 * invalidations have calls of their own, authorized on the tenant's ARN (`distribution-tenant/<id>`).
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudfront.html
 */
export const WORKER_TENANT_ACTIONS = [
  'cloudfront:CreateInvalidationForDistributionTenant',
  'cloudfront:GetInvalidationForDistributionTenant',
  'cloudfront:ListInvalidationsForDistributionTenant',
] as const;

/** The Slack handler reads one tenant invalidation for `/invalidate status`, as it does a distribution's. */
export const SLACK_TENANT_ACTIONS = ['cloudfront:GetInvalidationForDistributionTenant'] as const;

/**
 * Reconciliation lists the account's distributions. ListDistributions has no resource-level permission,
 * so it is granted on `*`; without it the bot counts configured distributions only (and says so).
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudfront.html
 */
export const ACCOUNT_CLOUDFRONT_ACTIONS = ['cloudfront:ListDistributions'] as const;

/**
 * Reconciliation reads the invalidations of every distribution of the account, configured or not, so that
 * usage matches the bill: read-only, on every distribution (`distribution/*`), never CreateInvalidation.
 */
export const RECONCILE_CLOUDFRONT_ACTIONS = [
  'cloudfront:GetInvalidation',
  'cloudfront:ListInvalidations',
] as const;

/** Every distribution of the account, for the read-only grant of reconciliation. */
export function everyDistributionArn(stack: Stack): string {
  return distributionArn(stack, '*');
}

/**
 * The Slack handler never submits (the worker does): it reads one invalidation for `/invalidate status`,
 * and a distribution's configuration to check that it takes `#tag` items (its CacheTagConfig) before a
 * request with cache tags is accepted. Without CreateInvalidation, a listener cannot start one even by mistake.
 */
export const SLACK_CLOUDFRONT_ACTIONS = [
  'cloudfront:GetDistributionConfig',
  'cloudfront:GetInvalidation',
] as const;

/**
 * The Slack handler finds the distribution of a pasted URL by the CNAMEs ListDistributions lists (when
 * the host is not in the config's `domains`). No resource-level permission: granted on `*`.
 */
export function listDistributionsStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: [...ACCOUNT_CLOUDFRONT_ACTIONS], resources: ['*'] });
}

/** A distribution's ARN; CloudFront is global, so the ARN has no region. */
export function distributionArn(stack: Stack, distributionId: string): string {
  return stack.formatArn({
    service: 'cloudfront',
    region: '',
    resource: 'distribution',
    resourceName: distributionId,
  });
}

/** A distribution tenant's ARN (`arn:aws:cloudfront::<account>:distribution-tenant/dt_…`), without a region. */
export function distributionTenantArn(stack: Stack, tenantId: string): string {
  return stack.formatArn({
    service: 'cloudfront',
    region: '',
    resource: 'distribution-tenant',
    resourceName: tenantId,
  });
}

/** The tenant grant on the policy file's tenants; none when it names no tenant. */
export function tenantStatements(
  stack: Stack,
  actions: readonly string[],
  tenantIds: readonly string[],
): iam.PolicyStatement[] {
  if (tenantIds.length === 0) return [];
  const arns = tenantIds.map((id) => distributionTenantArn(stack, id));
  return [new iam.PolicyStatement(cloudFrontGrant(actions, arns))];
}

/**
 * One grant as plain data. The functions' statements and `npm run iam-policy` (for a server run elsewhere)
 * are both made from these, so the two cannot drift apart.
 */
export interface Grant {
  actions: string[];
  resources: string[];
}

/** The table and its indexes (Query on an index needs the index ARN). */
export function tableGrant(tableArn: string): Grant {
  return { actions: [...DYNAMODB_ACTIONS], resources: [tableArn, `${tableArn}/index/*`] };
}

export function cloudFrontGrant(actions: readonly string[], distributionArns: readonly string[]): Grant {
  return { actions: [...actions], resources: [...distributionArns] };
}

export function tableStatement(tableArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement(tableGrant(tableArn));
}

/** CloudFront on the bot's own distributions; none when every distribution is reached through a role. */
export function cloudFrontStatements(
  stack: Stack,
  actions: readonly string[],
  distributionIds: readonly string[],
): iam.PolicyStatement[] {
  if (distributionIds.length === 0) return [];
  return [
    new iam.PolicyStatement(
      cloudFrontGrant(
        actions,
        distributionIds.map((id) => distributionArn(stack, id)),
      ),
    ),
  ];
}

/** The worker's reconciliation grants: listing the account, and reading every distribution's invalidations. */
export function reconcileGrants(everyDistribution: string): { listAccount: Grant; readInvalidations: Grant } {
  return {
    listAccount: { actions: [...ACCOUNT_CLOUDFRONT_ACTIONS], resources: ['*'] },
    readInvalidations: { actions: [...RECONCILE_CLOUDFRONT_ACTIONS], resources: [everyDistribution] },
  };
}

export function reconcileStatements(stack: Stack): iam.PolicyStatement[] {
  const { listAccount, readInvalidations } = reconcileGrants(everyDistributionArn(stack));
  return [new iam.PolicyStatement(listAccount), new iam.PolicyStatement(readInvalidations)];
}

/**
 * Assuming the roles of the distributions in other AWS accounts (`roleArn` in the policy file), exactly
 * those: the CloudFront calls on those distributions are made with the role's credentials. Undefined when
 * no distribution names a role (then nothing is granted).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
 */
export function assumeRoleGrant(roleArns: readonly string[]): Grant | undefined {
  return roleArns.length === 0 ? undefined : { actions: ['sts:AssumeRole'], resources: [...roleArns] };
}

export function assumeRoleStatements(roleArns: readonly string[]): iam.PolicyStatement[] {
  const grant = assumeRoleGrant(roleArns);
  return grant ? [new iam.PolicyStatement(grant)] : [];
}

/** Read of the one Slack secret: GetSecretValue only (no DescribeSecret, which `grantRead` would add). */
export function secretStatement(secretArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] });
}

/**
 * Writing to its own log group, instead of AWSLambdaBasicExecutionRole (which allows every log group:
 * `Resource: *`). The stack creates the group, so no CreateLogGroup.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-permissions.html
 */
export function logStatement(logGroupArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroupArn],
  });
}
