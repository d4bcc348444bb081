import {
  AssetHashType,
  CfnOutput,
  DockerImage,
  Duration,
  aws_dynamodb as dynamodb,
  aws_events as events,
  Fn,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  type StackProps,
  aws_secretsmanager as secretsmanager,
  aws_events_targets as targets,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { tableDefinition } from '../../src/adapters/aws/schema.js';
import { SLACK_EVENTS_PATH } from '../../src/adapters/slack/lambda-app.js';
import { Alarms } from './alarms.js';
import { BUNDLED_CONFIG, bundleHandler, type HandlerName, REPO_ROOT } from './bundle.js';
import {
  cloudFrontStatement,
  logStatement,
  SLACK_CLOUDFRONT_ACTIONS,
  secretStatement,
  tableStatement,
  WORKER_CLOUDFRONT_ACTIONS,
} from './permissions.js';
import { tableProps } from './table.js';

export interface InvalidatorStackProps extends StackProps {
  /** the policy file the bot reads, already validated; shipped next to both handlers */
  configPath: string;
  /** the CloudFront distribution ids in it: the only ones the functions may touch */
  distributionIds: readonly string[];
  /** how long Lambda logs are kept (default one month) */
  logRetention?: logs.RetentionDays;
  /** alarm when work has been due this long (default 10 minutes) */
  backlogMinutes?: number;
  /** alarm when an invalidation has been in progress this long (default 60 minutes) */
  stuckMinutes?: number;
  /** an address that gets the alarms by email */
  alarmEmail?: string;
  /** concurrent executions kept for each function, and its ceiling (default RESERVED_CONCURRENCY) */
  reservedConcurrency?: { slack?: number; worker?: number };
}

/**
 * Each function gets its own share of the account's concurrency, which is also its ceiling: a flood of
 * requests to the public Function URL (unsigned ones are refused, but each still runs the handler) is
 * throttled at the Slack handler's share and can neither starve the worker nor the account's other
 * functions. The worker needs few: every step is leased, so a second run mostly finds nothing to take.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 */
export const RESERVED_CONCURRENCY = { slack: 20, worker: 2 } as const;

/**
 * Invalidator on AWS: the table, the Slack secret, the Slack handler behind a Function URL, the worker on a
 * one-minute schedule (and woken by the Slack handler), logs and alarms. Every permission is written out
 * here, narrowed to the resources of this stack and the configured distributions (test/infra proves it).
 */
export class InvalidatorStack extends Stack {
  constructor(scope: Construct, id: string, props: InvalidatorStackProps) {
    super(scope, id, props);
    if (props.distributionIds.length === 0) throw new Error('the config file names no distribution');

    const table = new dynamodb.CfnTable(this, 'Table', tableProps(tableDefinition('unused')));
    // Requests and their audit trail outlive the stack: deleting it leaves the table.
    table.applyRemovalPolicy(RemovalPolicy.RETAIN);

    // Created with a placeholder that the config parser rejects (the token does not start with xoxb-), so
    // the functions fail clearly until the operator puts the real values in (README: Deploy to AWS).
    // Leave `generateSecretString` as it is: a change makes CloudFormation generate a new value over theirs.
    const secret = new secretsmanager.Secret(this, 'SlackSecret', {
      description: 'Invalidator: {"signingSecret": "…", "botToken": "xoxb-…"} from the Slack app settings',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ botToken: 'REPLACE_ME' }),
        generateStringKey: 'signingSecret',
        excludePunctuation: true,
      },
    });

    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const common = {
      environment: {
        TABLE_NAME: table.ref,
        SLACK_SECRET_ARN: secret.secretArn,
        INVALIDATOR_CONFIG: `/var/task/${BUNDLED_CONFIG}`,
        LOG_LEVEL: 'info',
        // The `service` dimension of the functions' metrics, which the alarms read (alarms.ts).
        POWERTOOLS_SERVICE_NAME: this.stackName,
      },
      secretArn: secret.secretArn,
      tableArn: table.attrArn,
      configPath: props.configPath,
      retention,
    };

    const reserved = { ...RESERVED_CONCURRENCY, ...props.reservedConcurrency };
    const worker = this.handler('Worker', 'worker', {
      ...common,
      memorySize: 512,
      reservedConcurrentExecutions: reserved.worker,
      // A run stays up to 50 s for work about to fall due, and keeps 20 s for its last steps
      // (src/entrypoints/lambda-worker.ts).
      timeout: Duration.seconds(90),
      statements: [cloudFrontStatement(this, WORKER_CLOUDFRONT_ACTIONS, props.distributionIds)],
    });
    // Asynchronous invokes are not retried by Lambda: the schedule runs again within a minute anyway.
    // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-configuring.html
    worker.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });
    new events.Rule(this, 'WorkerSchedule', {
      description: 'Runs the due work of Invalidator every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(worker.fn, {
          retryAttempts: 0,
          event: events.RuleTargetInput.fromObject({ source: 'invalidator.schedule' }),
        }),
      ],
    });

    const slack = this.handler('Slack', 'slack', {
      ...common,
      environment: { ...common.environment, WORKER_FUNCTION_NAME: worker.fn.functionName },
      // More memory is more CPU: the cold start (load, secret, auth.test) must fit Slack's 3 seconds.
      memorySize: 1024,
      reservedConcurrentExecutions: reserved.slack,
      timeout: Duration.seconds(10),
      statements: [
        cloudFrontStatement(this, SLACK_CLOUDFRONT_ACTIONS, props.distributionIds),
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [worker.fn.functionArn] }),
      ],
    });
    // Slack signs every request (the handler checks it), so the URL itself needs no AWS auth.
    // https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
    const url = slack.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });

    const alarms = new Alarms(this, 'Alarms', {
      slack: slack.fn,
      worker: worker.fn,
      service: this.stackName,
      backlogMinutes: props.backlogMinutes ?? 10,
      stuckMinutes: props.stuckMinutes ?? 60,
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
    });

    new CfnOutput(this, 'SlackRequestUrl', {
      description: 'Every request URL in manifest.yml: slash command, interactivity, event subscriptions',
      value: Fn.join('', [url.url, SLACK_EVENTS_PATH.slice(1)]),
    });
    new CfnOutput(this, 'SlackSecretArn', {
      description: 'Put {"signingSecret": "…", "botToken": "xoxb-…"} here',
      value: secret.secretArn,
    });
    new CfnOutput(this, 'TableName', { value: table.ref });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
  }

  /** One function on Node.js 22 / arm64, with its own role, log group and bundled code. */
  private handler(
    id: string,
    name: HandlerName,
    options: {
      environment: Record<string, string>;
      memorySize: number;
      reservedConcurrentExecutions: number;
      timeout: Duration;
      secretArn: string;
      tableArn: string;
      configPath: string;
      retention: logs.RetentionDays;
      statements: iam.PolicyStatement[];
    },
  ): { fn: lambda.Function; logGroup: logs.LogGroup } {
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: options.retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role of its own: the default one carries AWSLambdaBasicExecutionRole, which allows every log group.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    for (const statement of [
      logStatement(logGroup.logGroupArn),
      tableStatement(options.tableArn),
      secretStatement(options.secretArn),
      ...options.statements,
    ]) {
      role.addToPrincipalPolicy(statement);
    }
    const fn = new lambda.Function(this, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: bundledCode(name, options.configPath),
      memorySize: options.memorySize,
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
      timeout: options.timeout,
      role,
      logGroup,
      environment: options.environment,
    });
    return { fn, logGroup };
  }
}

/**
 * The handler bundled at synth time by the same esbuild call as `npm run bundle` (infra/lib/bundle.ts), in
 * this process: no Docker. The image is required by the API and never pulled, since local bundling succeeds.
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.BundlingOptions.html
 */
function bundledCode(name: HandlerName, configPath: string): lambda.Code {
  return lambda.Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // CDK caches bundles per synth by source path and bundling options, and `tryBundle` is no part of that
      // key: these values are, so the two functions do not share the first one's bundle.
      environment: { HANDLER: name, INVALIDATOR_CONFIG: configPath },
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      local: {
        tryBundle(outputDir: string) {
          bundleHandler(name, outputDir, configPath);
          return true;
        },
      },
    },
  });
}
