import {
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
  distributionIds: readonly string[];
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
      statement('CloudFrontInvalidations', cloudFrontGrant(cloudFrontActions, distributionArns)),
      ...tenants,
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
