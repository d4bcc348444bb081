// The CDK app: `npm run synth` (offline, no AWS account) and `npm run deploy`. Context (-c key=value):
// stackName (default Invalidator), alarmEmail, slackReservedConcurrency and workerReservedConcurrency
// (defaults in lib/invalidator.ts), allowExampleConfig (synth only: use the example policy file when
// invalidator.config.yml is missing). INVALIDATOR_CONFIG names the policy file, as for the bot.
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../../src/config.js';
import { policyFilePath } from '../lib/policy-file.js';
import { InvalidatorStack } from '../lib/stack.js';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === '' ? undefined : String(value);
};

/** A positive whole number from the context, or a refusal naming the key. */
function count(value: string | undefined, key: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new ConfigError([`-c ${key} must be a whole number of 1 or more`]);
  return number;
}

try {
  const policyFile = policyFilePath(process.env, {
    allowExample: context('allowExampleConfig') === 'true',
    warn: (message) => process.stderr.write(`warning: ${message}\n`),
  });
  const alarmEmail = context('alarmEmail');
  const slack = count(context('slackReservedConcurrency'), 'slackReservedConcurrency');
  const worker = count(context('workerReservedConcurrency'), 'workerReservedConcurrency');
  // The construct reads and checks the policy file: a file the bot would refuse fails here (ConfigError).
  new InvalidatorStack(app, context('stackName') ?? 'Invalidator', {
    description: 'Invalidator: Slack chatops for CloudFront cache invalidation',
    policyFile,
    ...(alarmEmail ? { alarmEmail } : {}),
    reservedConcurrency: { ...(slack ? { slack } : {}), ...(worker ? { worker } : {}) },
  });
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
