/**
 * What a deployment of Vigil is: its name, its home region (database, scheduler, result
 * processor, APIs), the regions its checks run from, and where its database comes from. Read from
 * `infra/vigil.config.json` (or the file named by `-c config=PATH` or `VIGIL_CONFIG`), checked as a
 * whole: every problem is reported at once, with the field it is about.
 *
 * The deterministic resource names live here too, because they are how the stacks find each
 * other across regions (see "Cross-region references" in infra/README.md).
 */
import { readFileSync } from 'node:fs';

/** How long Lambda logs are kept: the values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Aurora Serverless v2 capacity limits (ACU): 0 pauses when idle, 256 is the largest. */
const MIN_ACU = 0;
const MAX_ACU = 256;

export interface AuroraDatabaseConfig {
  /** Vigil creates an Aurora PostgreSQL Serverless v2 cluster in a VPC of its own. */
  kind: 'aurora-serverless-v2';
  /** @defaultValue 0.5 */
  minCapacityAcu: number;
  /** @defaultValue 4 */
  maxCapacityAcu: number;
  /** NAT gateways of the VPC: the functions beside the database reach SQS, EventBridge and API Gateway through them. @defaultValue 1 */
  natGateways: number;
  /** Keep the cluster (snapshot on delete, deletion protection on). @defaultValue true */
  retain: boolean;
}

export interface ExistingDatabaseConfig {
  /** The team brings a PostgreSQL (15 or newer) and a Secrets Manager secret holding its URL or RDS's JSON. */
  kind: 'secret';
  /** The secret's complete ARN (with its six-character suffix). */
  secretArn: string;
  /**
   * The network to run the database's clients in, when the database is not reachable from
   * outside a VPC. Without it the functions run outside any VPC.
   */
  network?: {
    vpcId: string;
    availabilityZones: string[];
    privateSubnetIds: string[];
    securityGroupIds: string[];
  };
}

export type DatabaseConfig = AuroraDatabaseConfig | ExistingDatabaseConfig;

export interface VigilConfig {
  /** Prefix of every resource name (queues, functions, APIs). @defaultValue 'vigil' */
  name: string;
  /** Where the database, scheduler, result processor and APIs run. */
  homeRegion: string;
  /** Regions that run checks; the home region is always one of them (checks without a location run there). */
  workerRegions: string[];
  /** Optional: pin the account. Leave it out to synthesise without credentials. */
  account?: string;
  database: DatabaseConfig;
  /** @defaultValue 30 */
  logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  /** Alarm notifications go to an SNS topic per stack; this address is subscribed to each. */
  alarmEmail?: string;
  /**
   * A custom domain for the REST API and dashboard, mapped at its root (without it, the API's URL
   * carries the stage, `.../v1/`). The ACM certificate must be in the home region; point the
   * domain's DNS at the `ApiDomainTarget` output.
   */
  apiDomain?: { domainName: string; certificateArn: string };
  /** `PGSSL` for the database's clients: 'require' (TLS, as RDS wants), 'prefer' or 'disable'. @defaultValue 'require' */
  databaseTls: 'require' | 'prefer' | 'disable';
  worker: {
    /** @defaultValue 1024 */
    memoryMb: number;
    /** The worker's timeout; the check queue's visibility timeout is six times this. @defaultValue 90 */
    timeoutS: number;
    /** Checks run at once per invocation (CHECK_CONCURRENCY). @defaultValue 50 */
    concurrency: number;
    /** Jobs per invocation. @defaultValue 10 */
    batchSize: number;
    /** VIGIL_NAGIOS_PLUGIN_DIRS, for plugins brought in a Lambda layer (e.g. `/opt/nagios/plugins`). */
    nagiosPluginDirs?: string;
    /** Lambda layers for the worker (Nagios plugins), by region; ARNs are regional. */
    layerArns?: Record<string, string[]>;
  };
  results: {
    /** Results per batch (one transaction each). @defaultValue 100 */
    batchSize: number;
    /** How long the event source gathers a batch. @defaultValue 1 */
    maxBatchingWindowS: number;
    /** Result processors at once, each holding one database connection. @defaultValue 5 */
    maxConcurrency: number;
  };
  /**
   * How the notifier sends. Webhooks and Slack need nothing here. Without `mailFrom` there is no
   * email (notifications for it are dead, saying so); with it, email goes through SES from that
   * verified identity. `sms` sends SMS through SNS.
   */
  notifications: { mailFrom?: string; sms: boolean };
}

/** A problem in the configuration, with the field it is about (`worker.timeoutS`). */
export interface ConfigProblem {
  field: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const NAME = /^[a-z][a-z0-9-]{0,19}$/;
const ACCOUNT = /^\d{12}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:.+-[A-Za-z0-9]{6}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * Checks a parsed configuration file and fills in the defaults. Throws {@link ConfigError}
 * listing every problem.
 *
 * @example
 * const config = parseConfig({ homeRegion: 'eu-west-1', workerRegions: ['us-east-1'] });
 * config.workerRegions; // ['eu-west-1', 'us-east-1']
 */
export function parseConfig(input: unknown, source = 'configuration'): VigilConfig {
  const problems: ConfigProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });
  const root = isObject(input) ? input : (problem('(root)', 'must be a JSON object'), {});

  const name = optional(root, 'name', 'string', 'vigil', problem);
  if (!NAME.test(name)) problem('name', `'${name}' must be lowercase letters, digits and dashes, starting with a letter, at most 20 characters`);

  const homeRegion = optional(root, 'homeRegion', 'string', '', problem);
  if (!REGION.test(homeRegion)) problem('homeRegion', homeRegion === '' ? 'is required (e.g. "eu-west-1")' : `'${homeRegion}' is not an AWS region name`);

  const workerRegions: string[] = [];
  const listed = root.workerRegions ?? [];
  if (!Array.isArray(listed)) problem('workerRegions', 'must be a list of region names');
  else {
    listed.forEach((region, index) => {
      if (typeof region !== 'string' || !REGION.test(region)) problem(`workerRegions[${index}]`, `${JSON.stringify(region)} is not an AWS region name`);
      else if (workerRegions.includes(region)) problem(`workerRegions[${index}]`, `'${region}' is listed twice`);
      else workerRegions.push(region);
    });
  }
  // Checks without a location run in the home region, so it always has workers; it comes first.
  if (REGION.test(homeRegion) && !workerRegions.includes(homeRegion)) workerRegions.unshift(homeRegion);

  const account = root.account;
  if (account !== undefined && (typeof account !== 'string' || !ACCOUNT.test(account))) problem('account', 'must be a 12-digit account id');

  const database = parseDatabase(root.database, homeRegion, problem);

  const logRetentionDays = optional(root, 'logRetentionDays', 'number', 30, problem);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    problem('logRetentionDays', `${logRetentionDays} is not one of CloudWatch Logs' retention periods (${LOG_RETENTION_DAYS.join(', ')})`);
  }

  const alarmEmail = root.alarmEmail;
  if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !EMAIL.test(alarmEmail))) problem('alarmEmail', 'must be an email address');

  let apiDomain: VigilConfig['apiDomain'];
  if (root.apiDomain !== undefined) {
    const domain = root.apiDomain;
    const certificate = isObject(domain) && typeof domain.certificateArn === 'string' ? /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/.+$/.exec(domain.certificateArn) : null;
    if (!isObject(domain) || typeof domain.domainName !== 'string' || !/^([a-z0-9-]+\.)+[a-z]{2,}$/i.test(domain.domainName)) problem('apiDomain.domainName', 'must be a domain name (vigil.example.com)');
    if (!certificate) problem('apiDomain.certificateArn', 'must be an ACM certificate ARN');
    else if (REGION.test(homeRegion) && certificate[1] !== homeRegion) problem('apiDomain.certificateArn', `is in ${certificate[1]}, not in the home region ${homeRegion} (a regional API needs a certificate in its own region)`);
    if (isObject(domain) && typeof domain.domainName === 'string' && typeof domain.certificateArn === 'string') apiDomain = { domainName: domain.domainName, certificateArn: domain.certificateArn };
  }

  const databaseTls = optional(root, 'databaseTls', 'string', 'require', problem);
  if (!['require', 'prefer', 'disable'].includes(databaseTls)) problem('databaseTls', "must be 'require', 'prefer' or 'disable'");

  const workerInput = objectAt(root, 'worker', problem);
  const worker: VigilConfig['worker'] = {
    memoryMb: integerIn(workerInput, 'worker.memoryMb', 1024, 128, 10_240, problem),
    // 900 s is Lambda's longest timeout; 6 x timeout must stay within SQS's 12-hour visibility limit, which it does.
    timeoutS: integerIn(workerInput, 'worker.timeoutS', 90, 10, 900, problem),
    concurrency: integerIn(workerInput, 'worker.concurrency', 50, 1, 500, problem),
    // Above 10 an SQS event source needs a batching window, which would delay checks.
    batchSize: integerIn(workerInput, 'worker.batchSize', 10, 1, 10, problem),
  };
  if (workerInput.nagiosPluginDirs !== undefined) {
    if (typeof workerInput.nagiosPluginDirs !== 'string' || workerInput.nagiosPluginDirs === '') problem('worker.nagiosPluginDirs', 'must be a colon-separated list of directories');
    else worker.nagiosPluginDirs = workerInput.nagiosPluginDirs;
  }
  if (workerInput.layerArns !== undefined) {
    const layers = workerInput.layerArns;
    if (!isObject(layers) || Object.values(layers).some((arns) => !Array.isArray(arns) || arns.some((arn) => typeof arn !== 'string' || !arn.startsWith('arn:')))) {
      problem('worker.layerArns', 'must map a region to a list of layer version ARNs');
    } else {
      for (const region of Object.keys(layers)) {
        if (!workerRegions.includes(region)) problem(`worker.layerArns.${region}`, 'is not a worker region');
      }
      worker.layerArns = layers as Record<string, string[]>;
    }
  }

  const resultsInput = objectAt(root, 'results', problem);
  const results: VigilConfig['results'] = {
    // 10,000 is the SQS event source's largest batch for a standard queue.
    batchSize: integerIn(resultsInput, 'results.batchSize', 100, 1, 10_000, problem),
    maxBatchingWindowS: integerIn(resultsInput, 'results.maxBatchingWindowS', 1, 0, 300, problem),
    // 2 is the smallest maximum concurrency an SQS event source accepts.
    maxConcurrency: integerIn(resultsInput, 'results.maxConcurrency', 5, 2, 1000, problem),
  };
  if (results.batchSize > 10 && results.maxBatchingWindowS === 0) {
    problem('results.maxBatchingWindowS', 'must be at least 1 when results.batchSize is above 10 (an SQS event source rule)');
  }

  const notificationsInput = objectAt(root, 'notifications', problem);
  const sms = notificationsInput.sms ?? false;
  if (typeof sms !== 'boolean') problem('notifications.sms', 'must be true or false');
  const notifications: VigilConfig['notifications'] = { sms: sms === true };
  const mailFrom = notificationsInput.mailFrom;
  if (mailFrom !== undefined) {
    // `alerts@example.com` or `Vigil <alerts@example.com>`.
    const address = typeof mailFrom === 'string' ? (/<([^>]+)>\s*$/.exec(mailFrom)?.[1] ?? mailFrom) : '';
    if (!EMAIL.test(address)) problem('notifications.mailFrom', 'must be an email address (alerts@example.com or Vigil <alerts@example.com>)');
    else notifications.mailFrom = mailFrom as string;
  }

  const known = new Set(['name', 'homeRegion', 'workerRegions', 'account', 'database', 'logRetentionDays', 'alarmEmail', 'apiDomain', 'databaseTls', 'worker', 'results', 'notifications', '$comment']);
  for (const key of Object.keys(root)) if (!known.has(key)) problem(key, `unknown setting (known: ${[...known].filter((k) => k !== '$comment').join(', ')})`);

  if (problems.length > 0) throw new ConfigError(source, problems);
  return {
    name, homeRegion, workerRegions, database,
    logRetentionDays: logRetentionDays as VigilConfig['logRetentionDays'],
    databaseTls: databaseTls as VigilConfig['databaseTls'],
    worker, results, notifications,
    ...(typeof account === 'string' ? { account } : {}),
    ...(typeof alarmEmail === 'string' ? { alarmEmail } : {}),
    ...(apiDomain ? { apiDomain } : {}),
  };
}

/** Reads and checks a configuration file. */
export function loadConfig(path: string): VigilConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ field: '(file)', message: `cannot be read: ${(error as Error).message}` }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, [{ field: '(file)', message: `is not JSON: ${(error as Error).message}` }]);
  }
  return parseConfig(parsed, path);
}

function parseDatabase(input: unknown, homeRegion: string, problem: (field: string, message: string) => void): DatabaseConfig {
  const database = isObject(input) ? input : {};
  if (input !== undefined && !isObject(input)) problem('database', 'must be an object');
  const kind = database.kind ?? 'aurora-serverless-v2';
  if (kind === 'aurora-serverless-v2') {
    const minCapacityAcu = numberIn(database, 'database.minCapacityAcu', 0.5, MIN_ACU, MAX_ACU, problem);
    const maxCapacityAcu = numberIn(database, 'database.maxCapacityAcu', 4, 1, MAX_ACU, problem);
    if (minCapacityAcu > maxCapacityAcu) problem('database.minCapacityAcu', `${minCapacityAcu} is above maxCapacityAcu (${maxCapacityAcu})`);
    if (minCapacityAcu * 2 !== Math.round(minCapacityAcu * 2) || maxCapacityAcu * 2 !== Math.round(maxCapacityAcu * 2)) {
      problem('database', 'capacities go in steps of 0.5 ACU');
    }
    const retain = database.retain ?? true;
    if (typeof retain !== 'boolean') problem('database.retain', 'must be true or false');
    return {
      kind, minCapacityAcu, maxCapacityAcu,
      natGateways: integerIn(database, 'database.natGateways', 1, 1, 3, problem),
      retain: retain === true,
    };
  }
  if (kind === 'secret') {
    const secretArn = database.secretArn;
    const match = typeof secretArn === 'string' ? SECRET_ARN.exec(secretArn) : null;
    if (!match) problem('database.secretArn', "must be a Secrets Manager secret's complete ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX)");
    else if (REGION.test(homeRegion) && match[1] !== homeRegion) problem('database.secretArn', `is in ${match[1]}, not in the home region ${homeRegion}`);
    const config: ExistingDatabaseConfig = { kind, secretArn: typeof secretArn === 'string' ? secretArn : '' };
    if (database.network !== undefined) {
      const network = database.network;
      const lists = ['availabilityZones', 'privateSubnetIds', 'securityGroupIds'] as const;
      if (!isObject(network) || typeof network.vpcId !== 'string' || lists.some((key) => !isStringList(network[key]))) {
        problem('database.network', 'needs vpcId and non-empty lists availabilityZones, privateSubnetIds and securityGroupIds');
      } else {
        config.network = {
          vpcId: network.vpcId,
          availabilityZones: network.availabilityZones as string[],
          privateSubnetIds: network.privateSubnetIds as string[],
          securityGroupIds: network.securityGroupIds as string[],
        };
      }
    }
    return config;
  }
  problem('database.kind', `${JSON.stringify(kind)} is neither 'aurora-serverless-v2' (Vigil creates the database) nor 'secret' (you bring one)`);
  return { kind: 'secret', secretArn: '' };
}

type Problem = (field: string, message: string) => void;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string' && item !== '');
}

function objectAt(root: Record<string, unknown>, key: string, problem: Problem): Record<string, unknown> {
  const value = root[key];
  if (value === undefined) return {};
  if (!isObject(value)) {
    problem(key, 'must be an object');
    return {};
  }
  return value;
}

function optional<T extends 'string' | 'number'>(root: Record<string, unknown>, key: string, type: T, fallback: T extends 'string' ? string : number, problem: Problem): T extends 'string' ? string : number {
  const value = root[key];
  if (value === undefined) return fallback;
  if (typeof value !== type) {
    problem(key, `must be a ${type}`);
    return fallback;
  }
  return value as T extends 'string' ? string : number;
}

function numberIn(root: Record<string, unknown>, field: string, fallback: number, min: number, max: number, problem: Problem): number {
  const key = field.slice(field.lastIndexOf('.') + 1);
  const value = root[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    problem(field, `must be a number from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function integerIn(root: Record<string, unknown>, field: string, fallback: number, min: number, max: number, problem: Problem): number {
  const value = numberIn(root, field, fallback, min, max, problem);
  if (!Number.isInteger(value)) {
    problem(field, 'must be a whole number');
    return fallback;
  }
  return value;
}

/** Resource names every stack can compute: how the home stack and the worker stacks find each other. */
export const names = {
  checkQueue: (config: Pick<VigilConfig, 'name'>, region: string) => `${config.name}-checks-${region}`,
  checkDeadLetterQueue: (config: Pick<VigilConfig, 'name'>, region: string) => `${config.name}-checks-${region}-dlq`,
  resultsQueue: (config: Pick<VigilConfig, 'name'>) => `${config.name}-results`,
  resultsDeadLetterQueue: (config: Pick<VigilConfig, 'name'>) => `${config.name}-results-dlq`,
  notifierQueue: (config: Pick<VigilConfig, 'name'>) => `${config.name}-notifications`,
  notifierDeadLetterQueue: (config: Pick<VigilConfig, 'name'>) => `${config.name}-notifications-dlq`,
  eventBus: (config: Pick<VigilConfig, 'name'>) => config.name,
  function: (config: Pick<VigilConfig, 'name'>, role: string) => `${config.name}-${role}`,
  homeStack: (config: Pick<VigilConfig, 'name'>) => `${pascal(config.name)}Home`,
  workerStack: (config: Pick<VigilConfig, 'name'>, region: string) => `${pascal(config.name)}Worker-${region}`,
};

function pascal(name: string): string {
  return name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}
