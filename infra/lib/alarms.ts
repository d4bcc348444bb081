import {
  aws_cloudwatch_actions as actions,
  aws_cloudwatch as cloudwatch,
  Duration,
  type aws_lambda as lambda,
  aws_sns as sns,
  type aws_sqs as sqs,
  aws_sns_subscriptions as subscriptions,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_DIMENSION } from '../../src/adapters/system/emf-metrics.js';
import { WORKER_METRICS } from '../../src/adapters/system/worker-metrics.js';
import { SUBMISSION_METRICS } from '../../src/usecases/record-submission.js';
import { DUE_WORK_METRICS } from '../../src/usecases/run-due-work.js';

export interface AlarmsProps {
  slack: lambda.IFunction;
  worker: lambda.IFunction;
  /** the `service` dimension the functions write their metrics under (POWERTOOLS_SERVICE_NAME) */
  service: string;
  /** due work waiting longer than this means the bot is not getting its work done */
  backlogMinutes: number;
  /** an invalidation in progress for longer than this is stuck (AWS: under 25 s at P95) */
  stuckMinutes: number;
  /** the dead-letter queue of the origin buckets' S3 events, when the policy file names origins */
  originEventDeadLetters?: sqs.IQueue;
  /** optional address that gets every alarm by email (SNS asks it to confirm) */
  email?: string;
  /** an existing topic for the alarms (a team's own paging topic); unset, one is created */
  topic?: sns.ITopic;
}

/**
 * Alarms into one SNS topic: either function failing, requests stuck, and origin events set aside. The stuck figures are the
 * worker's own metrics, written as Embedded Metric Format lines in its log (src/adapters/system/emf-metrics.ts),
 * which CloudWatch turns into metrics: the worker needs no cloudwatch:PutMetricData (which cannot be
 * narrowed to a resource).
 */
export class Alarms extends Construct {
  readonly topic: sns.ITopic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = props.topic ?? new sns.Topic(this, 'Topic', { displayName: 'Invalidator alarms' });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));

    this.errors('WorkerErrors', props.worker, 'The worker function failed');
    this.errors('SlackHandlerErrors', props.slack, 'The Slack handler failed (Slack users saw an error)');

    const backlog = botMetric(props, WORKER_METRICS.oldestDueAge, cloudwatch.Stats.MAXIMUM);
    this.add(
      new cloudwatch.Alarm(this, 'WorkBacklog', {
        alarmDescription: `Work has been due for over ${props.backlogMinutes} minutes: the worker is not keeping up or not running`,
        metric: backlog,
        threshold: props.backlogMinutes * 60,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // The worker logs this every minute; silence means it is not running at all.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    );
    const inFlight = botMetric(props, WORKER_METRICS.oldestInFlightAge, cloudwatch.Stats.MAXIMUM);
    this.add(
      new cloudwatch.Alarm(this, 'InvalidationStuck', {
        alarmDescription: `An invalidation has been in progress for over ${props.stuckMinutes} minutes`,
        metric: inFlight,
        threshold: props.stuckMinutes * 60,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    // A submission CloudFront accepted that could not be recorded: the worker retries the save, but until
    // it succeeds the invalidation is neither counted in usage nor followed to completion.
    this.firstCount(
      'UnrecordedSubmission',
      SUBMISSION_METRICS.unrecorded,
      'A submission CloudFront accepted could not be saved to DynamoDB (the worker keeps retrying the save)',
      props,
    );
    this.firstCount(
      'UnreadableItem',
      DUE_WORK_METRICS.unreadable,
      'A due item in the table could not be read and was set aside (attribute setAsideBecause): look at it',
      props,
    );
    if (props.originEventDeadLetters) this.deadLettered(props.originEventDeadLetters);
  }

  /**
   * An alarm while the origin events' dead-letter queue holds a message: an S3 event the worker could not
   * record after every try, so a deploy may go unproposed until it is redriven.
   */
  private deadLettered(queue: sqs.IQueue): void {
    this.add(
      new cloudwatch.Alarm(this, 'OriginEventsDeadLettered', {
        alarmDescription:
          'S3 events of an origin bucket could not be recorded and wait in the dead-letter queue: redrive them once DynamoDB answers',
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** An alarm on the first count of one of the bot's count metrics in 5 minutes. */
  private firstCount(id: string, metricName: string, description: string, props: AlarmsProps): void {
    this.add(
      new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric: botMetric(props, metricName, cloudwatch.Stats.SUM),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  private errors(id: string, fn: lambda.IFunction, description: string): void {
    this.add(
      new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric: fn.metricErrors({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  private add(alarm: cloudwatch.Alarm): void {
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

/** One of the bot's own metrics (emf-metrics.ts), over 5 minutes. */
function botMetric(props: AlarmsProps, metricName: string, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: props.service },
    period: Duration.minutes(5),
    statistic,
  });
}
