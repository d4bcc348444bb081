/**
 * Whether `npm start` should open the playground: no Slack credentials of any kind are configured.
 * Apart from the playground itself, so that a bot connected to Slack never loads the playground.
 */
export function wantsPlayground(env: Record<string, string | undefined>): boolean {
  return !env.SLACK_BOT_TOKEN && !env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET;
}
