/**
 * One region's workers: the region's check queue and its DLQ, the worker (event source mapping
 * with ReportBatchItemFailures), and the dead-letter consumer that turns a job that exhausted its
 * receives into an ERROR result. Both send to the home region's results queue, found by its
 * name; that queue is the only thing outside this stack they may touch.
 */
import { ArnFormat, Aws, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { names, type VigilConfig } from '../config.ts';
import { QueueWithDeadLetters } from '../constructs/queue-with-dead-letters.ts';
import { VigilFunction } from '../constructs/vigil-function.ts';
import type { FunctionBundles } from '../bundles.ts';
import { CHECK_QUEUE_MAX_RECEIVES, CHECK_QUEUE_RETENTION, TIMEOUT_S, VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT } from '../settings.ts';
import { logRetention } from './common.ts';

export interface WorkerStackProps extends StackProps {
  config: VigilConfig;
  /** The region this stack serves; also its `env.region`. */
  region: string;
  bundles: FunctionBundles;
}

export class WorkerStack extends Stack {
  readonly checks: QueueWithDeadLetters;
  readonly worker: VigilFunction;
  readonly deadLetters: VigilFunction;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: WorkerStackProps) {
    super(scope, id, { ...props, env: { region: props.region, ...(props.config.account ? { account: props.config.account } : {}) } });
    const { config, region, bundles } = props;
    const workerTimeout = Duration.seconds(config.worker.timeoutS);

    this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: `Vigil alarms (${region})`, enforceSSL: true });
    if (config.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const alarmAction = new cloudwatchActions.SnsAction(this.alarmTopic);

    this.checks = new QueueWithDeadLetters(this, 'Checks', {
      queueName: names.checkQueue(config, region),
      deadLetterQueueName: names.checkDeadLetterQueue(config, region),
      visibilityTimeout: Duration.seconds(config.worker.timeoutS * VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT),
      retentionPeriod: CHECK_QUEUE_RETENTION,
      maxReceiveCount: CHECK_QUEUE_MAX_RECEIVES,
      alarmAction,
      deadLetterMeaning: 'check jobs whose worker failed three times, not yet turned into ERROR results (is the dead-letter function failing?)',
    });

    // The home region's results queue, by its deterministic name (infra/README.md, "Cross-region references").
    const resultsQueueArn = this.formatArn({ service: 'sqs', region: config.homeRegion, resource: names.resultsQueue(config), arnFormat: ArnFormat.NO_RESOURCE_NAME });
    const resultsQueueUrl = `https://sqs.${config.homeRegion}.${Aws.URL_SUFFIX}/${this.account}/${names.resultsQueue(config)}`;
    const sendResults = new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [resultsQueueArn] });

    const layers = (config.worker.layerArns?.[region] ?? []).map((arn, index) => lambda.LayerVersion.fromLayerVersionArn(this, `WorkerLayer${index}`, arn));
    this.worker = new VigilFunction(this, 'Worker', {
      functionName: names.function(config, 'worker'),
      description: `Vigil: runs the checks of ${names.checkQueue(config, region)}`,
      bundleDirectory: bundles.directory('worker'),
      timeout: workerTimeout,
      memoryMb: config.worker.memoryMb,
      logRetention: logRetention(config),
      environment: {
        RESULTS_QUEUE_URL: resultsQueueUrl,
        CHECK_CONCURRENCY: String(config.worker.concurrency),
        ...(config.worker.nagiosPluginDirs ? { VIGIL_NAGIOS_PLUGIN_DIRS: config.worker.nagiosPluginDirs } : {}),
      },
      ...(layers.length > 0 ? { layers } : {}),
    });
    this.worker.role.addToPolicy(sendResults);
    this.worker.function.addEventSource(new SqsEventSource(this.checks.queue, {
      batchSize: config.worker.batchSize,
      // No batching window: jobs arrive when due (SQS delay), and waiting would make them late.
      reportBatchItemFailures: true,
    }));

    this.deadLetters = new VigilFunction(this, 'DeadLetters', {
      functionName: names.function(config, 'dead-letters'),
      description: `Vigil: turns the dead letters of ${names.checkQueue(config, region)} into ERROR results`,
      bundleDirectory: bundles.directory('dead-letters'),
      timeout: Duration.seconds(TIMEOUT_S.deadLetters),
      memoryMb: 256,
      logRetention: logRetention(config),
      environment: {
        RESULTS_QUEUE_URL: resultsQueueUrl,
        SOURCE_QUEUE_NAME: names.checkQueue(config, region),
        SOURCE_MAX_RECEIVES: String(CHECK_QUEUE_MAX_RECEIVES),
      },
    });
    this.deadLetters.role.addToPolicy(sendResults);
    this.deadLetters.function.addEventSource(new SqsEventSource(this.checks.deadLetterQueue, { batchSize: 10, reportBatchItemFailures: true }));

    this.worker.errorsAlarm(alarmAction);
    this.deadLetters.errorsAlarm(alarmAction);
    // Jobs waiting long past their delay: workers are not keeping up (throttled, or failing).
    new cloudwatch.Alarm(this, 'ChecksAgeAlarm', {
      alarmName: `${this.stackName}-${names.checkQueue(config, region)}-backlog`,
      alarmDescription: `Check jobs wait in ${names.checkQueue(config, region)}: workers are not keeping up, and checks will time out`,
      metric: this.checks.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
      // The scheduler delays a job at most ~75 s (its window) and a worker drops one received more
      // than 60 s after it was due; whether or not SQS counts the delay, 5 minutes is a backlog.
      threshold: 300,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);
  }
}
