/**
 * Why the environment says a deployment is meant, if it does: a DynamoDB table is named, or the process
 * runs in production. There, missing Slack credentials are an error, never a cue to open the playground.
 */
export function deploymentMeant(env: Record<string, string | undefined>): string | undefined {
  if (env.TABLE_NAME) return 'TABLE_NAME is set';
  if (env.NODE_ENV === 'production') return 'NODE_ENV is production';
  return undefined;
}

/**
 * Whether `npm start` should open the playground: no Slack credentials of any kind are configured, and
 * nothing says a deployment was meant. Apart from the playground itself, so that a bot connected to Slack
 * (or a deployment missing its credentials) never loads the playground.
 */
export function wantsPlayground(env: Record<string, string | undefined>): boolean {
  const noSlack = !env.SLACK_BOT_TOKEN && !env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET;
  return noSlack && deploymentMeant(env) === undefined;
}
