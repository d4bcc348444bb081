import {
  aws_cloudwatch_actions as actions,
  aws_cloudwatch as cloudwatch,
  Duration,
  type aws_lambda as lambda,
  aws_logs as logs,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { WORKER_METRICS } from '../../src/adapters/system/worker-metrics.js';
import { SUBMISSION_METRICS } from '../../src/usecases/record-submission.js';

export interface AlarmsProps {
  slack: lambda.IFunction;
  worker: lambda.IFunction;
  workerLogGroup: logs.ILogGroup;
  /** CloudWatch namespace of the worker's metrics */
  namespace: string;
  /** due work waiting longer than this means the bot is not getting its work done */
  backlogMinutes: number;
  /** an invalidation in progress for longer than this is stuck (AWS: under 25 s at P95) */
  stuckMinutes: number;
  /** optional address that gets every alarm by email (SNS asks it to confirm) */
  email?: string;
  /** an existing topic for the alarms (a team's own paging topic); unset, one is created */
  topic?: sns.ITopic;
}

/**
 * Alarms into one SNS topic: either function failing, and requests stuck. The stuck figures come from the
 * worker's own log line (src/adapters/system/worker-metrics.ts) through metric filters, so the worker
 * needs no cloudwatch:PutMetricData (which cannot be narrowed to a resource).
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

    const backlog = this.workerMetric(props, 'OldestDueAgeSeconds', WORKER_METRICS.oldestDueAge);
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
    const inFlight = this.workerMetric(props, 'OldestInFlightAgeSeconds', WORKER_METRICS.oldestInFlightAge);
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
    this.unrecordedSubmissions(props);
  }

  /**
   * A submission CloudFront accepted that could not be recorded: the worker retries the save, but until
   * it succeeds the invalidation is neither counted in usage nor followed to completion.
   */
  private unrecordedSubmissions(props: AlarmsProps): void {
    const filter = new logs.MetricFilter(this, 'UnrecordedSubmissionsFilter', {
      logGroup: props.workerLogGroup,
      metricNamespace: props.namespace,
      metricName: 'UnrecordedSubmissions',
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', SUBMISSION_METRICS.message),
      metricValue: `$.${SUBMISSION_METRICS.unrecorded}`,
      unit: cloudwatch.Unit.COUNT,
    });
    this.add(
      new cloudwatch.Alarm(this, 'UnrecordedSubmission', {
        alarmDescription:
          'A submission CloudFront accepted could not be saved to DynamoDB (the worker keeps retrying the save)',
        metric: filter.metric({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
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

  /** A metric from a field of the worker's JSON metrics line, its maximum over 5 minutes. */
  private workerMetric(props: AlarmsProps, metricName: string, field: string): cloudwatch.Metric {
    const filter = new logs.MetricFilter(this, `${metricName}Filter`, {
      logGroup: props.workerLogGroup,
      metricNamespace: props.namespace,
      metricName,
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', WORKER_METRICS.message),
      metricValue: `$.${field}`,
      unit: cloudwatch.Unit.SECONDS,
    });
    return filter.metric({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM });
  }

  private add(alarm: cloudwatch.Alarm): void {
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
