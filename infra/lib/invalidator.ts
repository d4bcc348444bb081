import {
  Annotations,
  AssetHashType,
  type aws_cloudwatch as cloudwatch,
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
  aws_s3 as s3,
  aws_secretsmanager as secretsmanager,
  type aws_sns as sns,
  aws_sqs as sqs,
  Token,
  aws_events_targets as targets,
} from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { tableDefinition } from '../../src/adapters/aws/dynamodb/schema.js';
import { SLACK_EVENTS_PATH } from '../../src/adapters/slack/lambda-app.js';
import { Alarms } from './alarms.js';
import { BUNDLED_CONFIG, bundleHandler, type HandlerName, REPO_ROOT } from './bundle.js';
import {
  assumeRoleStatements,
  cloudFrontStatements,
  listDistributionsStatement,
  logStatement,
  reconcileStatements,
  SLACK_CLOUDFRONT_ACTIONS,
  SLACK_TENANT_ACTIONS,
  secretStatement,
  tableStatement,
  tenantStatements,
  WORKER_CLOUDFRONT_ACTIONS,
  WORKER_TENANT_ACTIONS,
} from './permissions.js';
import { loadPolicyFile } from './policy-file.js';
import { tableProps as cfnTableProps } from './table.js';

/** The table the construct creates when it is given none. */
export interface InvalidatorTableProps {
  /** a fixed name (default: CloudFormation names it) */
  tableName?: string;
  /** default RETAIN: requests and their audit trail outlive the stack */
  removalPolicy?: RemovalPolicy;
  /** default true */
  deletionProtection?: boolean;
  /** default true */
  pointInTimeRecovery?: boolean;
}

export interface InvalidatorProps {
  /**
   * Path of the policy file (invalidator.config.yml), relative to the working directory of `cdk synth`.
   * Checked at synth time by the bot's own parser, shipped next to both handlers; the distributions it
   * names are the only ones the functions may touch.
   */
  policyFile: string;
  /**
   * An existing table with the keys and indexes of src/adapters/aws/dynamodb/schema.ts, for example
   * `Table.fromTableName(...)`. Unset, the construct creates one (see `tableProps`).
   */
  table?: dynamodb.ITable;
  /** how to create the table (only without `table`) */
  tableProps?: InvalidatorTableProps;
  /** concurrent executions kept for each function, and its ceiling (default RESERVED_CONCURRENCY) */
  reservedConcurrency?: { slack?: number; worker?: number };
  /** an existing topic the alarms go to (a team's own paging topic); unset, one is created */
  alarmTopic?: sns.ITopic;
  /** an address subscribed to the alarm topic by email (SNS asks it to confirm) */
  alarmEmail?: string;
  /** how long Lambda logs are kept (default one month) */
  logRetention?: logs.RetentionDays;
  /** alarm when work has been due this long (default 10 minutes) */
  backlogMinutes?: number;
  /** alarm when an invalidation has been in progress this long (default 60 minutes) */
  stuckMinutes?: number;
  /**
   * Origin buckets (`origin.bucket` in the policy file) of the same CDK app: the construct turns their
   * EventBridge notifications on. A bucket with a known name that the policy file does not name fails the
   * synth; a policy file's bucket not given here needs its one setting turned on by hand (`cdk synth` says
   * so in an info message).
   */
  originBuckets?: readonly s3.IBucket[];
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
 * A worker run stays up to 50 s for work about to fall due, and keeps 20 s for its last steps
 * (src/entrypoints/lambda-worker.ts).
 */
const WORKER_TIMEOUT = Duration.seconds(90);

/** Tries of an origin event before it is set aside in the dead-letter queue. */
const MAX_RECEIVES = 5;

/**
 * At least six times the function's timeout, as AWS advises for an SQS event source: time for Lambda to
 * retry a batch while the function is throttled, before the message comes back and counts another receive.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
 */
export function originQueueVisibility(workerTimeout: Duration): Duration {
  return Duration.seconds(workerTimeout.toSeconds() * 6);
}

/**
 * A bucket's name when synth knows it: an imported bucket's (`Bucket.fromBucketName`), or the `bucketName`
 * a bucket of the app was created with (its `bucketName` attribute is a reference even then).
 */
function knownName(bucket: s3.IBucket): string | undefined {
  if (!Token.isUnresolved(bucket.bucketName)) return bucket.bucketName;
  const resource = bucket.node.defaultChild;
  const name = s3.CfnBucket.isCfnBucket(resource) ? resource.bucketName : undefined;
  return name === undefined || Token.isUnresolved(name) ? undefined : name;
}

/** The info `cdk synth` shows for an origin bucket the construct was not given. */
function eventBridgeSettingNote(bucket: string): string {
  return (
    `Invalidator: turn on EventBridge for origin bucket ${bucket}, or pass it in originBuckets: ` +
    'S3 console, the bucket, Properties, Amazon EventBridge, On ' +
    '(README: Deploy-aware proposals; the CLI call replaces the whole notification configuration)'
  );
}

/** The table the functions use: the one created here, or the one given. */
type TableRef = Pick<dynamodb.ITable, 'tableName' | 'tableArn' | 'encryptionKey'>;

/** What both functions share: where the table, the secret and the policy file are. */
interface Shared {
  environment: Record<string, string>;
  tableArn: string;
  encryptionKey?: TableRef['encryptionKey'];
  secretArn: string;
  configPath: string;
  retention: logs.RetentionDays;
  reservedConcurrency: number;
}

/**
 * Invalidator on AWS: the table (or yours), the Slack secret, the Slack handler behind a Function URL, the
 * worker on a one-minute schedule (and woken by the Slack handler), logs and alarms. Every permission is
 * written out here, narrowed to these resources and the policy file's distributions (test/infra proves it).
 */
export class Invalidator extends Construct {
  /** the table's name and ARN, created here or given */
  readonly tableName: string;
  readonly tableArn: string;
  /** the secret to put `{"signingSecret": "…", "botToken": "xoxb-…"}` in */
  readonly secret: secretsmanager.ISecret;
  readonly slackFunction: lambda.Function;
  readonly workerFunction: lambda.Function;
  /** every request URL of the Slack app (slash command, interactivity, event subscriptions) */
  readonly slackRequestUrl: string;
  readonly alarmTopic: sns.ITopic;
  readonly alarms: readonly cloudwatch.Alarm[];
  /** the distributions of the policy file in the stack's account: the only ones its roles may touch */
  readonly distributionIds: readonly string[];
  /** the roles of the distributions in other accounts: the only roles the functions may assume */
  readonly roleArns: readonly string[];
  /** the distribution tenants of the policy file (`tenant`): the only tenants the functions may touch */
  readonly tenantIds: readonly string[];
  /** the S3 buckets the policy file names as origins (`origin.bucket`): their events reach the worker */
  readonly originBuckets: readonly string[];
  /** where EventBridge puts the origin buckets' events for the worker (only with origins in the policy file) */
  readonly originEventQueue?: sqs.IQueue;
  /** where the queue's events go after MAX_RECEIVES failed tries (only with origins in the policy file) */
  readonly originEventDeadLetters?: sqs.IQueue;

  constructor(scope: Construct, id: string, props: InvalidatorProps) {
    super(scope, id);
    if (props.table && props.tableProps) throw new Error('Invalidator: give either `table` or `tableProps`');
    const policyFile = loadPolicyFile(props.policyFile);
    this.distributionIds = policyFile.distributionIds;
    this.roleArns = policyFile.roleArns;
    this.tenantIds = policyFile.tenantIds;
    this.originBuckets = [
      ...new Set(policyFile.policy.distributions.flatMap(({ origin }) => (origin ? [origin.bucket] : []))),
    ];

    const table = props.table ?? this.createTable(props.tableProps ?? {});
    this.tableName = table.tableName;
    this.tableArn = table.tableArn;

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
    this.secret = secret;

    const service = Stack.of(this).stackName;
    const reserved = { ...RESERVED_CONCURRENCY, ...props.reservedConcurrency };
    const shared: Omit<Shared, 'reservedConcurrency'> = {
      environment: {
        TABLE_NAME: this.tableName,
        SLACK_SECRET_ARN: secret.secretArn,
        INVALIDATOR_CONFIG: `/var/task/${BUNDLED_CONFIG}`,
        LOG_LEVEL: 'info',
        // The `service` dimension of the functions' metrics, which the alarms read (alarms.ts).
        POWERTOOLS_SERVICE_NAME: service,
      },
      tableArn: this.tableArn,
      ...(table.encryptionKey ? { encryptionKey: table.encryptionKey } : {}),
      secretArn: secret.secretArn,
      configPath: policyFile.path,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    };
    const worker = this.createWorker({ ...shared, reservedConcurrency: reserved.worker });
    const slack = this.createSlackHandler({ ...shared, reservedConcurrency: reserved.slack }, worker.fn);
    this.workerFunction = worker.fn;
    this.slackFunction = slack.fn;
    const originEvents = this.routeOriginEvents(worker.fn);
    if (originEvents) {
      this.originEventQueue = originEvents.queue;
      this.originEventDeadLetters = originEvents.deadLetters;
    }
    this.enableOriginEventBridge(props.originBuckets ?? []);
    // Slack signs every request (the handler checks it), so the URL itself needs no AWS auth.
    // https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
    const url = slack.fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    this.slackRequestUrl = Fn.join('', [url.url, SLACK_EVENTS_PATH.slice(1)]);

    const alarms = new Alarms(this, 'Alarms', {
      slack: slack.fn,
      worker: worker.fn,
      service,
      backlogMinutes: props.backlogMinutes ?? 10,
      stuckMinutes: props.stuckMinutes ?? 60,
      ...(originEvents ? { originEventDeadLetters: originEvents.deadLetters } : {}),
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
      ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
    });
    this.alarmTopic = alarms.topic;
    this.alarms = alarms.alarms;
  }

  /** The table with exactly the code's keys and indexes (src/adapters/aws/dynamodb/schema.ts), on demand. */
  private createTable(options: InvalidatorTableProps): TableRef {
    const definition = cfnTableProps(tableDefinition('unused'));
    const table = new dynamodb.CfnTable(this, 'Table', {
      ...definition,
      ...(options.tableName ? { tableName: options.tableName } : {}),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: options.pointInTimeRecovery ?? true },
      deletionProtectionEnabled: options.deletionProtection ?? true,
    });
    // Requests and their audit trail outlive the stack: deleting it leaves the table.
    table.applyRemovalPolicy(options.removalPolicy ?? RemovalPolicy.RETAIN);
    return { tableName: table.ref, tableArn: table.attrArn };
  }

  private createWorker(shared: Shared) {
    const worker = this.handler('Worker', 'worker', {
      ...shared,
      memorySize: 512,
      timeout: WORKER_TIMEOUT,
      statements: [
        ...cloudFrontStatements(Stack.of(this), WORKER_CLOUDFRONT_ACTIONS, this.distributionIds),
        ...tenantStatements(Stack.of(this), WORKER_TENANT_ACTIONS, this.tenantIds),
        ...reconcileStatements(Stack.of(this)),
        ...assumeRoleStatements(this.roleArns),
      ],
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
    return worker;
  }

  /**
   * The S3 object events of the policy file's origin buckets go to the worker, which records them (deploy
   * proposals). S3 sends them to the account's default event bus once EventBridge is on for the bucket
   * (`enableOriginEventBridge`). The rule needs no permission on the buckets themselves.
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html
   *
   * They wait in a queue rather than invoke the worker directly: the worker's asynchronous invokes are not
   * retried, so an event arriving while DynamoDB fails would be lost. From the queue, a batch whose
   * recording fails comes back after the visibility timeout, and after MAX_RECEIVES tries it waits in the
   * dead-letter queue (alarmed) for a redrive. The worker's role gets only the consume actions on this
   * queue (the event source grants them).
   */
  private routeOriginEvents(
    worker: lambda.Function,
  ): { queue: sqs.IQueue; deadLetters: sqs.IQueue } | undefined {
    if (this.originBuckets.length === 0) return undefined;
    const deadLetters = new sqs.Queue(this, 'OriginEventsDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // SQS's longest: time to mend DynamoDB and redrive.
      retentionPeriod: Duration.days(14),
    });
    const queue = new sqs.Queue(this, 'OriginEventsQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: originQueueVisibility(WORKER_TIMEOUT),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: MAX_RECEIVES },
    });
    new events.Rule(this, 'OriginEvents', {
      description: 'S3 object events of the origin buckets, for deploy proposals',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created', 'Object Deleted'],
        detail: { bucket: { name: [...this.originBuckets] } },
      },
      targets: [new targets.SqsQueue(queue)],
    });
    worker.addEventSource(
      new SqsEventSource(queue, {
        // A deploy's events in few invocations, each recorded in one batch (src/entrypoints/lambda-worker.ts).
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        // SQS's least: the worker's reserved concurrency is small, and recording a batch is quick.
        // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
        maxConcurrency: 2,
      }),
    );
    return { queue, deadLetters };
  }

  /**
   * Turns EventBridge on for the origin buckets given (a custom resource CDK adds to the stack), and says
   * at synth which of the policy file's buckets still need their one setting. A given bucket whose name is
   * known but not an origin would send events nobody routes: a mistake, refused.
   */
  private enableOriginEventBridge(buckets: readonly s3.IBucket[]): void {
    const given = new Set<string>();
    for (const bucket of buckets) {
      const name = knownName(bucket);
      if (name !== undefined) {
        if (!this.originBuckets.includes(name)) {
          throw new Error(
            `Invalidator: originBuckets has ${name}, which no origin.bucket of the policy file names (${this.originBuckets.join(', ') || 'none'})`,
          );
        }
        given.add(name);
      }
      bucket.enableEventBridgeNotification();
    }
    for (const name of this.originBuckets.filter((origin) => !given.has(origin))) {
      Annotations.of(this).addInfo(eventBridgeSettingNote(name));
    }
  }

  private createSlackHandler(shared: Shared, worker: lambda.IFunction) {
    return this.handler('Slack', 'slack', {
      ...shared,
      environment: { ...shared.environment, WORKER_FUNCTION_NAME: worker.functionName },
      // More memory is more CPU: the cold start (load, secret, auth.test) must fit Slack's 3 seconds.
      memorySize: 1024,
      timeout: Duration.seconds(10),
      statements: [
        ...cloudFrontStatements(Stack.of(this), SLACK_CLOUDFRONT_ACTIONS, this.distributionIds),
        ...tenantStatements(Stack.of(this), SLACK_TENANT_ACTIONS, this.tenantIds),
        // `/invalidate status` reads an invalidation of another account's distribution through its role.
        ...assumeRoleStatements(this.roleArns),
        listDistributionsStatement(),
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [worker.functionArn] }),
      ],
    });
  }

  /** One function on Node.js 22 / arm64, with its own role, log group and bundled code. */
  private handler(
    id: string,
    name: HandlerName,
    options: Shared & { memorySize: number; timeout: Duration; statements: iam.PolicyStatement[] },
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
    // A table of yours encrypted with your own key: the items cannot be read or written without it.
    options.encryptionKey?.grantEncryptDecrypt(role);
    const fn = new lambda.Function(this, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: bundledCode(name, options.configPath),
      memorySize: options.memorySize,
      timeout: options.timeout,
      role,
      logGroup,
      environment: options.environment,
      reservedConcurrentExecutions: options.reservedConcurrency,
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
