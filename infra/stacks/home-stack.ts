/**
 * The home region: the database (Aurora Serverless v2 in a VPC, or the team's own behind a
 * secret) with its migrations applied on every deploy, the results queue and its DLQ, the
 * scheduler on EventBridge's `rate(1 minute)`, the result processor, the event bus with the rule
 * that routes `CheckStateChanged` to the notifier queue, the REST API (which also serves the
 * dashboard) and the WebSocket API.
 *
 * The check queues live in the worker stacks, one per region; this stack reaches them by their
 * deterministic names (infra/README.md, "Cross-region references").
 */
import { Annotations, ArnFormat, Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Trigger } from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import { CHECK_STATE_CHANGED, EVENT_SOURCE } from '../../functions/core/messages.ts';
import type { FunctionBundles, VigilFunctionName } from '../bundles.ts';
import { names, type VigilConfig } from '../config.ts';
import { QueueWithDeadLetters } from '../constructs/queue-with-dead-letters.ts';
import { VigilFunction, type VigilFunctionProps } from '../constructs/vigil-function.ts';
import {
  DEAD_LETTER_RETENTION,
  RESULTS_AGE_ALARM_S,
  RESULTS_QUEUE_MAX_RECEIVES,
  RESULTS_QUEUE_RETENTION,
  REST_STAGE,
  TIMEOUT_S,
  VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT,
  WEBSOCKET_STAGE,
} from '../settings.ts';
import { logRetention } from './common.ts';

export interface HomeStackProps extends StackProps {
  config: VigilConfig;
  bundles: FunctionBundles;
}

/** Where the functions that talk to the database run, and what they connect with. */
interface DatabaseAccess {
  secret: secretsmanager.ISecret;
  /** Present when the database is only reachable inside a VPC. */
  network?: { vpc: ec2.IVpc; subnets: ec2.SubnetSelection; securityGroups: ec2.ISecurityGroup[] };
  /** What the migrations must wait for. */
  ready?: Construct;
}

export class HomeStack extends Stack {
  readonly results: QueueWithDeadLetters;
  readonly notifications: QueueWithDeadLetters;
  readonly bus: events.EventBus;
  readonly scheduler: VigilFunction;
  readonly resultProcessor: VigilFunction;
  readonly notifier?: VigilFunction;
  readonly migrations: VigilFunction;
  readonly api?: VigilFunction;
  readonly restApi?: apigateway.LambdaRestApi;
  readonly webSocket?: VigilFunction;
  readonly webSocketApi?: apigwv2.WebSocketApi;
  readonly webSocketStage?: apigwv2.WebSocketStage;
  readonly database: DatabaseAccess;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: HomeStackProps) {
    super(scope, id, { ...props, env: { region: props.config.homeRegion, ...(props.config.account ? { account: props.config.account } : {}) } });
    const { config, bundles } = props;

    this.alarmTopic = new sns.Topic(this, 'Alarms', { displayName: `Vigil alarms (${config.homeRegion})`, enforceSSL: true });
    if (config.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const alarmAction = new cloudwatchActions.SnsAction(this.alarmTopic);

    this.database = this.databaseAccess(config);
    const fn = (id: string, role: VigilFunctionName, props: Omit<VigilFunctionProps, 'functionName' | 'bundleDirectory' | 'logRetention'> & { database?: boolean }) => {
      const { database, ...rest } = props;
      const made = new VigilFunction(this, id, {
        functionName: names.function(config, role),
        bundleDirectory: bundles.directory(role),
        logRetention: logRetention(config),
        ...rest,
        environment: {
          ...(database ? { DATABASE_SECRET_ARN: this.database.secret.secretArn, PGSSL: config.databaseTls } : {}),
          ...rest.environment,
        },
        ...(database && this.database.network
          ? { vpc: this.database.network.vpc, vpcSubnets: this.database.network.subnets, securityGroups: this.database.network.securityGroups }
          : {}),
      });
      if (database) this.database.secret.grantRead(made.role);
      made.errorsAlarm(alarmAction);
      return made;
    };

    // --- Queues and the bus ------------------------------------------------------------------
    this.results = new QueueWithDeadLetters(this, 'Results', {
      queueName: names.resultsQueue(config),
      deadLetterQueueName: names.resultsDeadLetterQueue(config),
      visibilityTimeout: Duration.seconds(TIMEOUT_S.results * VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT),
      retentionPeriod: RESULTS_QUEUE_RETENTION,
      maxReceiveCount: RESULTS_QUEUE_MAX_RECEIVES,
      alarmAction,
      deadLetterMeaning: 'results the processor refused five times (malformed, or a database fault): see the results function log',
    });
    this.notifications = new QueueWithDeadLetters(this, 'Notifications', {
      queueName: names.notifierQueue(config),
      deadLetterQueueName: names.notifierDeadLetterQueue(config),
      visibilityTimeout: Duration.seconds(TIMEOUT_S.notifier * VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT),
      retentionPeriod: DEAD_LETTER_RETENTION,
      maxReceiveCount: RESULTS_QUEUE_MAX_RECEIVES,
      alarmAction,
      deadLetterMeaning: 'state changes the notifier could not turn into notifications five times (malformed, or a database fault): see the notifier log; undeliverable notifications themselves are listed by GET /sites/{id}/notifications?status=dead',
    });
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: names.eventBus(config) });
    new events.Rule(this, 'StateChangesToNotifier', {
      ruleName: `${config.name}-state-changes-to-notifier`,
      description: 'Hard state changes go to the notifier queue',
      eventBus: this.bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [CHECK_STATE_CHANGED] },
      targets: [new targets.SqsQueue(this.notifications.queue, { deadLetterQueue: this.notifications.deadLetterQueue, retryAttempts: 10 })],
    });

    const checkQueues = config.workerRegions.map((region) => ({
      region,
      arn: this.formatArn({ service: 'sqs', region, resource: names.checkQueue(config, region), arnFormat: ArnFormat.NO_RESOURCE_NAME }),
      url: `https://sqs.${region}.${Aws.URL_SUFFIX}/${this.account}/${names.checkQueue(config, region)}`,
    }));
    const checkQueueUrls = this.toJsonString(Object.fromEntries(checkQueues.map((queue) => [queue.region, queue.url])));
    const sendChecks = new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: checkQueues.map((queue) => queue.arn) });

    // --- Migrations on deploy ----------------------------------------------------------------
    this.migrations = fn('Migrate', 'migrate', {
      description: 'Vigil: applies the SQL migrations (run by a trigger on deploy)',
      timeout: Duration.seconds(TIMEOUT_S.migrate),
      database: true,
      // A failed migration fails the deployment; Lambda must not retry it behind its back.
      retryAttempts: 0,
    });
    const migrate = new Trigger(this, 'MigrateOnDeploy', {
      handler: this.migrations.function,
      timeout: Duration.seconds(TIMEOUT_S.migrate),
      executeOnHandlerChange: true,
      ...(this.database.ready ? { executeAfter: [this.database.ready] } : {}),
    });

    // --- Scheduler ---------------------------------------------------------------------------
    this.scheduler = fn('Scheduler', 'scheduler', {
      description: 'Vigil: plans the checks due in the next minute onto their regions\' queues',
      timeout: Duration.seconds(TIMEOUT_S.scheduler),
      memoryMb: 1024,
      database: true,
      // A failed tick is planned again by the next one (its window is only recorded when sent).
      retryAttempts: 0,
      environment: { CHECK_QUEUE_URLS: checkQueueUrls, HOME_REGION: config.homeRegion, RESULTS_QUEUE_URL: this.results.queue.queueUrl },
    });
    this.scheduler.role.addToPolicy(sendChecks);
    this.results.queue.grantSendMessages(this.scheduler.role);
    const tick = new events.Rule(this, 'SchedulerTick', {
      ruleName: `${config.name}-scheduler-tick`,
      description: 'Vigil: one scheduler tick a minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.scheduler.function, { retryAttempts: 2, maxEventAge: Duration.minutes(1) })],
    });
    new cloudwatch.Alarm(this, 'SchedulerNotTicking', {
      alarmName: `${this.stackName}-scheduler-not-ticking`,
      alarmDescription: 'The scheduler was not invoked for 5 minutes: no checks are being planned',
      metric: this.scheduler.function.metricInvocations({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    }).addAlarmAction(alarmAction);

    // --- Result processor --------------------------------------------------------------------
    this.resultProcessor = fn('ResultProcessor', 'results', {
      description: 'Vigil: applies results to the state machine, publishes state changes, pushes them to browsers',
      timeout: Duration.seconds(TIMEOUT_S.results),
      memoryMb: 1024,
      database: true,
      environment: { EVENT_BUS_NAME: this.bus.eventBusName },
    });
    this.bus.grantPutEventsTo(this.resultProcessor.role);
    this.resultProcessor.function.addEventSource(new SqsEventSource(this.results.queue, {
      batchSize: config.results.batchSize,
      maxBatchingWindow: Duration.seconds(config.results.maxBatchingWindowS),
      // Each processor holds one database connection: this bounds them.
      maxConcurrency: config.results.maxConcurrency,
      reportBatchItemFailures: true,
    }));
    new cloudwatch.Alarm(this, 'ResultsAgeAlarm', {
      alarmName: `${this.stackName}-${names.resultsQueue(config)}-age`,
      alarmDescription: `Results wait in ${names.resultsQueue(config)} for over ${RESULTS_AGE_ALARM_S} s: states are going stale`,
      metric: this.results.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: RESULTS_AGE_ALARM_S,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);

    // --- Notifier -----------------------------------------------------------------------------
    if (bundles.has('notifier')) {
      const { mailFrom, sms } = config.notifications;
      this.notifier = fn('Notifier', 'notifier', {
        description: 'Vigil: turns state changes into notifications (email, webhook, Slack, SMS) and sends them',
        timeout: Duration.seconds(TIMEOUT_S.notifier),
        database: true,
        environment: {
          NOTIFIER_QUEUE_URL: this.notifications.queue.queueUrl,
          ...(mailFrom ? { VIGIL_EMAIL: 'ses', VIGIL_MAIL_FROM: mailFrom } : {}),
          ...(sms ? { VIGIL_SMS: 'sns' } : {}),
        },
      });
      // Its own wake-ups, delayed until what it decided comes due.
      this.notifications.queue.grantSendMessages(this.notifier.role);
      this.notifier.function.addEventSource(new SqsEventSource(this.notifications.queue, {
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }));
      new events.Rule(this, 'NotifierSweep', {
        ruleName: `${config.name}-notifier-sweep`,
        description: 'Vigil: reminders, escalations and due notifications, once a minute',
        schedule: events.Schedule.rate(Duration.minutes(1)),
        targets: [new targets.LambdaFunction(this.notifier.function, { retryAttempts: 0 })],
      });
      if (mailFrom) {
        this.notifier.role.addToPolicy(new iam.PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' }), this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: '*' })],
        }));
      }
      // SMS to a phone number has no resource to name.
      if (sms) this.notifier.role.addToPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
    }

    // --- Sessions: the REST API signs them, the WebSocket API checks them ----------------------
    const needsSessions = bundles.has('api') || bundles.has('websocket');
    const sessionKey = needsSessions
      ? new secretsmanager.Secret(this, 'SessionSigningKey', {
          description: 'Vigil: the key sessions (JWT) are signed with',
          generateSecretString: { passwordLength: 64, excludePunctuation: true },
        })
      : undefined;
    const readSessionKey = (made: VigilFunction): Record<string, string> => {
      if (!sessionKey) return {};
      sessionKey.grantRead(made.role);
      return { JWT_SECRET_ARN: sessionKey.secretArn };
    };

    // --- WebSocket API -----------------------------------------------------------------------
    if (bundles.has('websocket')) {
      this.webSocket = fn('WebSocket', 'websocket', {
        description: 'Vigil: the WebSocket API\'s routes ($connect, $disconnect, subscribe, unsubscribe, $default)',
        timeout: Duration.seconds(TIMEOUT_S.websocket),
        database: true,
      });
      for (const [key, value] of Object.entries(readSessionKey(this.webSocket))) this.webSocket.function.addEnvironment(key, value);
      // functions/handlers/websocket.ts reads JWT_SECRET itself (not yet JWT_SECRET_ARN): CloudFormation
      // resolves this reference at deploy, so the key is not in the template, but it is in the
      // function's configuration. Drop it once the handler reads the key with jwtSecret().
      this.webSocket.function.addEnvironment('JWT_SECRET', sessionKey!.secretValue.unsafeUnwrap());
      const integration = new WebSocketLambdaIntegration('Routes', this.webSocket.function);
      this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
        apiName: `${config.name}-live`,
        description: 'Vigil: live state changes',
        routeSelectionExpression: '$request.body.action',
        connectRouteOptions: { integration },
        disconnectRouteOptions: { integration },
        // Two-way routes: their replies (acknowledgements, errors) reach the browser.
        defaultRouteOptions: { integration, returnResponse: true },
      });
      this.webSocketApi.addRoute('subscribe', { integration, returnResponse: true });
      this.webSocketApi.addRoute('unsubscribe', { integration, returnResponse: true });
      this.webSocketStage = new apigwv2.WebSocketStage(this, 'WebSocketStage', {
        webSocketApi: this.webSocketApi,
        stageName: WEBSOCKET_STAGE,
        autoDeploy: true,
        throttle: { rateLimit: 500, burstLimit: 1000 },
      });
      this.resultProcessor.function.addEnvironment('WEBSOCKET_MANAGEMENT_ENDPOINT', this.webSocketStage.callbackUrl);
      this.webSocketStage.grantManagementApiAccess(this.resultProcessor.role);
      new CfnOutput(this, 'WebSocketUrl', { value: this.webSocketStage.url, description: 'wss:// URL browsers connect to' });
      new CfnOutput(this, 'WebSocketCallbackUrl', { value: this.webSocketStage.callbackUrl, description: 'The @connections management endpoint' });
    } else {
      Annotations.of(this).addWarningV2('vigil:no-websocket-bundle', 'functions/handlers/websocket.ts is not bundled (not in scripts/bundle-functions.ts FUNCTIONS): the WebSocket API is not deployed');
    }

    // --- REST API and dashboard --------------------------------------------------------------
    if (bundles.has('api')) {
      this.api = fn('Api', 'api', {
        description: 'Vigil: the REST API and the dashboard',
        timeout: Duration.seconds(TIMEOUT_S.api),
        memoryMb: 1024,
        database: true,
        environment: {
          RESULTS_QUEUE_URL: this.results.queue.queueUrl,
          CHECK_QUEUE_URLS: checkQueueUrls,
          HOME_REGION: config.homeRegion,
          // The @connections endpoint (pushes of changes made through the API) and the wss:// URL
          // the dashboard connects to (another host than the REST API's).
          ...(this.webSocketStage ? { WEBSOCKET_MANAGEMENT_ENDPOINT: this.webSocketStage.callbackUrl, WEBSOCKET_URL: this.webSocketStage.url } : {}),
        },
      });
      for (const [key, value] of Object.entries(readSessionKey(this.api))) this.api.function.addEnvironment(key, value);
      // Passive results and "run now".
      this.results.queue.grantSendMessages(this.api.role);
      this.api.role.addToPolicy(sendChecks);
      this.webSocketStage?.grantManagementApiAccess(this.api.role);
      this.restApi = new apigateway.LambdaRestApi(this, 'RestApi', {
        restApiName: `${config.name}-api`,
        description: 'Vigil: REST API and dashboard',
        handler: this.api.function,
        proxy: true,
        // The account-wide CloudWatch role is a singleton a team may already manage: leave it alone.
        cloudWatchRole: false,
        deployOptions: { stageName: REST_STAGE, throttlingRateLimit: 200, throttlingBurstLimit: 400 },
        ...(config.apiDomain
          ? {
              domainName: {
                domainName: config.apiDomain.domainName,
                certificate: acm.Certificate.fromCertificateArn(this, 'ApiCertificate', config.apiDomain.certificateArn),
                endpointType: apigateway.EndpointType.REGIONAL,
                securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
              },
            }
          : {}),
      });
      if (this.restApi.domainName) {
        new CfnOutput(this, 'ApiDomainTarget', { value: this.restApi.domainName.domainNameAliasDomainName, description: `Point ${config.apiDomain?.domainName} here (CNAME or alias)` });
      }
      new CfnOutput(this, 'ApiUrl', { value: this.restApi.url, description: 'REST API (under api/v1/) and dashboard' });
    } else {
      Annotations.of(this).addWarningV2('vigil:no-api-bundle', 'functions/handlers/api.ts is not bundled (not in scripts/bundle-functions.ts FUNCTIONS): the REST API and dashboard are not deployed');
    }

    // Every function that uses the schema waits for the migrations, on the first deploy and on
    // every update (CloudFormation updates in dependency order).
    for (const dependent of [this.scheduler, this.resultProcessor, this.notifier, this.api, this.webSocket, tick]) {
      if (dependent) migrate.executeBefore(dependent);
    }

    new CfnOutput(this, 'ResultsQueueUrl', { value: this.results.queue.queueUrl });
    new CfnOutput(this, 'NotificationsQueueUrl', { value: this.notifications.queue.queueUrl });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'DatabaseSecretArn', { value: this.database.secret.secretArn });
    new CfnOutput(this, 'SchedulerFunctionName', { value: this.scheduler.function.functionName });
  }

  private databaseAccess(config: VigilConfig): DatabaseAccess {
    const database = config.database;
    if (database.kind === 'secret') {
      const secret = secretsmanager.Secret.fromSecretCompleteArn(this, 'DatabaseSecret', database.secretArn);
      if (!database.network) return { secret };
      const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: database.network.vpcId,
        availabilityZones: database.network.availabilityZones,
        privateSubnetIds: database.network.privateSubnetIds,
      });
      const securityGroups = database.network.securityGroupIds.map((groupId, index) => ec2.SecurityGroup.fromSecurityGroupId(this, `DatabaseClientGroup${index}`, groupId));
      return { secret, network: { vpc, subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, securityGroups } };
    }

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: database.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        // Functions: they reach SQS (in every worker region), EventBridge, Secrets Manager and the
        // @connections API through the NAT gateway. Interface endpoints would not reach the other
        // regions' queues.
        { name: 'functions', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    const clients = new ec2.SecurityGroup(this, 'DatabaseClients', { vpc, description: 'Vigil functions that connect to the database' });
    const cluster = new rds.DatabaseCluster(this, 'Database', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_5 }),
      writer: rds.ClusterInstance.serverlessV2('writer'),
      serverlessV2MinCapacity: database.minCapacityAcu,
      serverlessV2MaxCapacity: database.maxCapacityAcu,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      credentials: rds.Credentials.fromGeneratedSecret('vigil'),
      defaultDatabaseName: 'vigil',
      storageEncrypted: true,
      deletionProtection: database.retain,
      removalPolicy: database.retain ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      backup: { retention: Duration.days(7) },
    });
    cluster.connections.allowDefaultPortFrom(clients, 'Vigil functions');
    if (!cluster.secret) throw new Error('the database cluster has no secret');
    return { secret: cluster.secret, network: { vpc, subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [clients] }, ready: cluster };
  }
}
