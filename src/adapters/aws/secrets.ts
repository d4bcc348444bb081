import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';

/**
 * The one Secrets Manager secret the stack creates, as JSON. The stack fills it with a placeholder;
 * the operator puts the real values in (README, "Deploy to AWS").
 */
const slackSecretSchema = z.strictObject({
  signingSecret: z.string().min(1),
  botToken: z.string().min(1),
  /** on-call approvers' API keys, under the names of the variables the server reads */
  PAGERDUTY_API_KEY: z.string().min(1).optional(),
  OPSGENIE_API_KEY: z.string().min(1).optional(),
});

export type SlackSecret = z.infer<typeof slackSecretSchema>;

export class SlackSecretError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SlackSecretError';
  }
}

/**
 * Reads the Slack signing secret and bot token from the secret `secretId` (its ARN). Lambda calls this once
 * per cold start; the values never go to the environment of the function or into the template.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 */
export async function readSlackSecret(client: SecretsManagerClient, secretId: string): Promise<SlackSecret> {
  const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  let value: unknown;
  try {
    value = JSON.parse(output.SecretString ?? '');
  } catch (error) {
    throw new SlackSecretError(
      `secret ${secretId} is not JSON: put {"signingSecret": "…", "botToken": "xoxb-…"} in it`,
      { cause: error },
    );
  }
  const parsed = slackSecretSchema.safeParse(value);
  if (!parsed.success) {
    // Only key names go into the message, never a value.
    // An unknown key (a misspelt PAGERDUTY_API_KEY) is named itself.
    const where = parsed.error.issues
      .map((issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown ${issue.keys.join(', ')}`
          : issue.path.join('.') || '(top level)',
      )
      .join(', ');
    throw new SlackSecretError(
      `secret ${secretId} must be {"signingSecret": "…", "botToken": "xoxb-…"} (optionally with PAGERDUTY_API_KEY, OPSGENIE_API_KEY); wrong: ${where}`,
    );
  }
  return parsed.data;
}

/**
 * The environment `loadConfig` reads, with the Slack values from the secret in the variables the server
 * reads from its environment, so the one config parser checks them (e.g. a placeholder token that does
 * not start with xoxb-).
 */
export function withSlackSecret(
  env: Record<string, string | undefined>,
  secret: SlackSecret,
): Record<string, string | undefined> {
  return {
    ...env,
    SLACK_BOT_TOKEN: secret.botToken,
    SLACK_SIGNING_SECRET: secret.signingSecret,
    ...(secret.PAGERDUTY_API_KEY ? { PAGERDUTY_API_KEY: secret.PAGERDUTY_API_KEY } : {}),
    ...(secret.OPSGENIE_API_KEY ? { OPSGENIE_API_KEY: secret.OPSGENIE_API_KEY } : {}),
  };
}
