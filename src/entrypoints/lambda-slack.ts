import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readSlackSecret } from '../adapters/aws/secrets.js';
import type { FunctionUrlEvent, FunctionUrlResult } from '../adapters/slack/lambda-app.js';
import type { SlackLambda } from '../compose/lambda-slack.js';

/**
 * The Slack handler on AWS Lambda, behind a Function URL. Environment (set by the stack, infra/lib/stack.ts):
 * SLACK_SECRET_ARN (the secret holding the signing secret and bot token), WORKER_FUNCTION_NAME (woken when
 * work falls due), TABLE_NAME, INVALIDATOR_CONFIG (the policy file bundled next to this handler).
 */
export async function handler(event: FunctionUrlEvent, context: unknown): Promise<FunctionUrlResult> {
  const slack = await composed();
  return slack.handle(event, context);
}

// Composed once per execution environment and reused by every warm invocation; a failed cold start is
// forgotten, so the next request tries again (the secret may have just been filled in).
// https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html#function-code
let composing: Promise<SlackLambda> | undefined;

function composed(): Promise<SlackLambda> {
  composing ??= compose().catch((error: unknown) => {
    composing = undefined;
    throw error;
  });
  return composing;
}

/**
 * A cold start waits for the slower of two things, not their sum: the secret's round trip to Secrets
 * Manager, and evaluating the code that answers Slack (lambda-slack-answer.ts: the config parser, Bolt,
 * the DynamoDB and Lambda clients, the listeners) then reading and parsing the policy file. Module init
 * evaluates only what sends the secret's request.
 */
async function compose(): Promise<SlackLambda> {
  // Read before the config parser loads, to send the secret's request at once; it is checked with every
  // other variable by the one parse in composeAnswering, which names it when it is unset.
  const secretArn = process.env.SLACK_SECRET_ARN;
  const [secret, { answering, file }] = await Promise.all([
    secretArn ? readSlackSecret(new SecretsManagerClient({}), secretArn) : undefined,
    import('./lambda-slack-answer.js').then(async (answering) => ({
      answering,
      file: await answering.readConfigFile(process.env),
    })),
  ]);
  return answering.composeAnswering(process.env, file, secret);
}
