/** Small pieces both stacks use. */
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { VigilConfig } from '../config.ts';

/** CloudWatch Logs' RetentionDays values are the numbers of days themselves. */
export function logRetention(config: Pick<VigilConfig, 'logRetentionDays'>): logs.RetentionDays {
  return config.logRetentionDays as number as logs.RetentionDays;
}
