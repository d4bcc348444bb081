// `npm run iam-policy -- [--config <file>] [--table-name <name>] [--account <id>] [--region <region>]
// [--partition <aws|aws-cn|aws-us-gov>]`: prints the IAM policy JSON the bot needs when it runs as a server
// outside the CDK stack, for the distributions of a policy file. Unset values come from TABLE_NAME and
// AWS_REGION, else stay placeholders (ACCOUNT_ID, REGION, TABLE_NAME) to replace before use.
// `--target [--principal <bot role ARN>]…`: instead, for each role the policy file names (`roleArn`), what to
// create in that role's account: its permissions policy and its trust policy (principal BOT_ROLE_ARN unless
// given; repeat --principal for the Lambda deployment's two roles).
import { parseArgs } from 'node:util';
import { ConfigError } from '../../src/config.js';
import { serverPolicy, targetRoles } from '../lib/iam-policy.js';
import { loadPolicyFile } from '../lib/policy-file.js';

const USAGE =
  'usage: npm run iam-policy -- [--config <file>] [--table-name <name>] [--account <id>] [--region <region>] [--partition <partition>]\n' +
  '       npm run iam-policy -- --target [--config <file>] [--principal <bot role ARN>]... [--partition <partition>]';

/** Empty strings count as unset, as everywhere in the configuration. */
const given = (...values: Array<string | undefined>) =>
  values.find((value) => value !== undefined && value !== '');

try {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      'table-name': { type: 'string' },
      account: { type: 'string' },
      region: { type: 'string' },
      partition: { type: 'string' },
      target: { type: 'boolean' },
      principal: { type: 'string', multiple: true },
    },
    strict: true,
  });
  const { distributionIds, tenantIds, roleArns, policy, reconciliation } = loadPolicyFile(
    given(values.config, process.env.INVALIDATOR_CONFIG) ?? 'invalidator.config.yml',
  );
  if (values.target) {
    const principals = (values.principal ?? []).filter((arn) => arn !== '');
    if (principals.length === 0)
      process.stderr.write('note: replace BOT_ROLE_ARN in the trust policies before use\n');
    if (roleArns.length === 0)
      process.stderr.write('note: no distribution names a roleArn: nothing to create elsewhere\n');
    const targets = targetRoles(policy, {
      partition: given(values.partition) ?? 'aws',
      principals: principals.length === 0 ? ['BOT_ROLE_ARN'] : principals,
      reconciliation,
    });
    process.stdout.write(`${JSON.stringify(targets, null, 2)}\n`);
    process.exit(0);
  }
  const resources = {
    partition: given(values.partition) ?? 'aws',
    account: given(values.account) ?? 'ACCOUNT_ID',
    region: given(values.region, process.env.AWS_REGION) ?? 'REGION',
    tableName: given(values['table-name'], process.env.TABLE_NAME) ?? 'TABLE_NAME',
    distributionIds,
    roleArns,
    tenantIds,
  };
  const placeholders = ['ACCOUNT_ID', 'REGION', 'TABLE_NAME'].filter((placeholder) =>
    Object.values(resources).includes(placeholder),
  );
  if (placeholders.length > 0) {
    process.stderr.write(`note: replace ${placeholders.join(', ')} in the policy before use\n`);
  }
  process.stdout.write(`${JSON.stringify(serverPolicy(resources), null, 2)}\n`);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
  } else {
    throw error;
  }
  process.exit(2);
}
