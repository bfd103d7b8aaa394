/**
 * One of Vigil's Lambda functions as every stack deploys it: the esbuild bundle from
 * scripts/bundle-functions.ts (`index.mjs`, ESM), Node 22 on arm64, a log group of its own with the
 * configured retention, and a role that may write to that log group and nothing else until the
 * stack grants more. (CDK's default role carries AWSLambdaBasicExecutionRole, which may write to
 * every log group in the account.)
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface VigilFunctionProps {
  /** The function's name in AWS (`vigil-worker`). */
  functionName: string;
  /** The bundle's directory (`dist/lambda/worker`). */
  bundleDirectory: string;
  timeout: Duration;
  /** @defaultValue 512 */
  memoryMb?: number;
  environment?: Record<string, string>;
  logRetention: logs.RetentionDays;
  /** Run inside this VPC (to reach the database), in its private subnets with egress. */
  vpc?: ec2.IVpc;
  vpcSubnets?: ec2.SubnetSelection;
  securityGroups?: ec2.ISecurityGroup[];
  layers?: lambda.ILayerVersion[];
  /** Lambda's own retries of asynchronous invocations. @defaultValue 2 (Lambda's default) */
  retryAttempts?: number;
  description: string;
}

export class VigilFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: VigilFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      // Logs go with the stack; a retained group would only be in the way of the next deploy.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.functionName}: its log group and what the stack grants`,
    });
    this.logGroup.grantWrite(this.role);
    if (props.vpc) {
      // Creating and deleting its network interfaces: EC2 allows no narrower resource for these
      // actions, so this is AWS's managed policy for exactly this.
      this.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'));
    }
    this.function = new lambda.Function(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      code: lambda.Code.fromAsset(props.bundleDirectory),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb ?? 512,
      timeout: props.timeout,
      environment: props.environment ?? {},
      role: this.role,
      logGroup: this.logGroup,
      ...(props.retryAttempts !== undefined ? { retryAttempts: props.retryAttempts } : {}),
      ...(props.vpc ? { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups } : {}),
      ...(props.layers ? { layers: props.layers } : {}),
    });
    // The role's policies must exist before the function runs (an event source mapping starts at once).
    this.function.node.addDependency(this.role);
  }

  /** Any error in five minutes: a Vigil fault (a down target is a result, never an error). */
  errorsAlarm(topicAction: cloudwatch.IAlarmAction | undefined): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmName: `${Stack.of(this).stackName}-${this.node.id}-errors`,
      alarmDescription: `${this.node.id} failed at least once in 5 minutes: see its log group`,
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (topicAction) alarm.addAlarmAction(topicAction);
    return alarm;
  }
}
