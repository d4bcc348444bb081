import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Invalidator, type InvalidatorProps } from './invalidator.js';

export { RESERVED_CONCURRENCY } from './invalidator.js';

export interface InvalidatorStackProps extends StackProps, InvalidatorProps {}

/**
 * The project's own deployment (`npm run deploy`): the Invalidator construct alone in a stack, with the
 * outputs the README's setup steps need.
 */
export class InvalidatorStack extends Stack {
  readonly invalidator: Invalidator;

  constructor(scope: Construct, id: string, props: InvalidatorStackProps) {
    super(scope, id, props);
    // The id 'Default' leaves the construct out of every logical id, so they are those the stack had before
    // the construct existed and a deployed stack updates in place (a new logical id would replace the table).
    this.invalidator = new Invalidator(this, 'Default', props);
    const invalidator = this.invalidator;

    new CfnOutput(this, 'SlackRequestUrl', {
      description: 'Every request URL in manifest.yml: slash command, interactivity, event subscriptions',
      value: invalidator.slackRequestUrl,
    });
    new CfnOutput(this, 'SlackSecretArn', {
      description: 'Put {"signingSecret": "…", "botToken": "xoxb-…"} here',
      value: invalidator.secret.secretArn,
    });
    new CfnOutput(this, 'TableName', { value: invalidator.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: invalidator.alarmTopic.topicArn });
  }
}
