/**
 * An SQS queue with its dead-letter queue, as every Vigil queue is made: named (the names are how
 * stacks in other regions find them), encrypted with SQS's own keys, TLS only, and an alarm when
 * anything sits in the DLQ.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEAD_LETTER_RETENTION } from '../settings.ts';

export interface QueueWithDeadLettersProps {
  queueName: string;
  deadLetterQueueName: string;
  visibilityTimeout: Duration;
  retentionPeriod: Duration;
  maxReceiveCount: number;
  /** Where the DLQ alarm notifies. */
  alarmAction?: cloudwatch.IAlarmAction;
  /** What a message in the DLQ means, for the alarm's description. */
  deadLetterMeaning: string;
}

export class QueueWithDeadLetters extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: QueueWithDeadLettersProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      queueName: props.deadLetterQueueName,
      retentionPeriod: DEAD_LETTER_RETENTION,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Its consumer (if any) has its own timeout; 6 x 30 s covers the dead-letter function.
      visibilityTimeout: Duration.minutes(3),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: props.retentionPeriod,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmName: `${Stack.of(this).stackName}-${props.deadLetterQueueName}-not-empty`,
      alarmDescription: `${props.deadLetterQueueName} holds messages: ${props.deadLetterMeaning}`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction) this.deadLetterAlarm.addAlarmAction(props.alarmAction);
  }
}
