// The CDK app: `npm run synth` (offline, no AWS account) and `npm run deploy`. Context (-c key=value):
// stackName (default Invalidator), alarmEmail, allowExampleConfig (synth only: use the example policy file
// when invalidator.config.yml is missing). INVALIDATOR_CONFIG names the policy file, as for the bot.
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../../src/config.js';
import { policyFilePath } from '../lib/policy-file.js';
import { InvalidatorStack } from '../lib/stack.js';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === '' ? undefined : String(value);
};

try {
  const policyFile = policyFilePath(process.env, {
    allowExample: context('allowExampleConfig') === 'true',
    warn: (message) => process.stderr.write(`warning: ${message}\n`),
  });
  const alarmEmail = context('alarmEmail');
  // The construct reads and checks the policy file: a file the bot would refuse fails here (ConfigError).
  new InvalidatorStack(app, context('stackName') ?? 'Invalidator', {
    description: 'Invalidator: Slack chatops for CloudFront cache invalidation',
    policyFile,
    ...(alarmEmail ? { alarmEmail } : {}),
  });
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
