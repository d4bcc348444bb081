// `npm run iam-policy -- [--config <file>] [--table-name <name>] [--account <id>] [--region <region>]
// [--partition <aws|aws-cn|aws-us-gov>]`: prints the IAM policy JSON the bot needs when it runs as a server
// outside the CDK stack, for the distributions of a policy file. Unset values come from TABLE_NAME and
// AWS_REGION, else stay placeholders (ACCOUNT_ID, REGION, TABLE_NAME) to replace before use.
import { parseArgs } from 'node:util';
import { ConfigError } from '../../src/config.js';
import { serverPolicy } from '../lib/iam-policy.js';
import { loadPolicyFile } from '../lib/policy-file.js';

const USAGE =
  'usage: npm run iam-policy -- [--config <file>] [--table-name <name>] [--account <id>] [--region <region>] [--partition <partition>]';

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
    },
    strict: true,
  });
  const { distributionIds, tenantIds } = loadPolicyFile(
    given(values.config, process.env.INVALIDATOR_CONFIG) ?? 'invalidator.config.yml',
  );
  const resources = {
    partition: given(values.partition) ?? 'aws',
    account: given(values.account) ?? 'ACCOUNT_ID',
    region: given(values.region, process.env.AWS_REGION) ?? 'REGION',
    tableName: given(values['table-name'], process.env.TABLE_NAME) ?? 'TABLE_NAME',
    distributionIds,
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
