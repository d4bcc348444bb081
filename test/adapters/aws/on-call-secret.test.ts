import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSlackSecret, SlackSecretError, withSlackSecret } from '../../../src/adapters/aws/secrets.js';
import { type SecretsStandIn, startSecretsStandIn } from '../../e2e/aws-standins.js';

const WITH_KEYS = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:with-keys';
const WRONG_KEY = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:wrong-key';

describe('on-call API keys in the Lambda secret', () => {
  let secrets: SecretsStandIn;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    secrets = await startSecretsStandIn({
      [WITH_KEYS]: JSON.stringify({
        signingSecret: 'signing',
        botToken: 'xoxb-1',
        PAGERDUTY_API_KEY: 'pd-from-secret',
        OPSGENIE_API_KEY: 'og-from-secret',
      }),
      [WRONG_KEY]: JSON.stringify({
        signingSecret: 'signing',
        botToken: 'xoxb-1',
        pagerdutyKey: 'hidden-value',
      }),
    });
    client = new SecretsManagerClient({
      endpoint: secrets.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await secrets?.close();
  });

  it('reads PAGERDUTY_API_KEY and OPSGENIE_API_KEY into the variables the config reads', async () => {
    const env = withSlackSecret({ PAGERDUTY_API_KEY: 'from-env' }, await readSlackSecret(client, WITH_KEYS));
    expect(env).toMatchObject({ PAGERDUTY_API_KEY: 'pd-from-secret', OPSGENIE_API_KEY: 'og-from-secret' });
  });

  it('refuses a key under another name, naming the key and never its value', async () => {
    const error = await readSlackSecret(client, WRONG_KEY).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SlackSecretError);
    expect(String(error)).toContain('pagerdutyKey');
    expect(String(error)).not.toContain('hidden-value');
  });
});
