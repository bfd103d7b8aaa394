/**
 * SAM-ready copies of the synthesised templates, for `sam local invoke` (infra/README.md, "Running
 * a function with SAM"):
 *
 *   cd infra && npx cdk synth --quiet && cd .. && npx tsx infra/sam.ts
 *
 * `sam local invoke` runs a function from a CDK template (its code is the `aws:asset:path` beside
 * the template), but it sets only the environment variables the template declares, and values
 * that are references to other resources (queue URLs, the database secret) mean nothing on a
 * laptop. So each `<stack>.template.json` in infra/cdk.out/ gets a `<stack>.sam.json` beside it
 * whose functions have local values instead: PostgreSQL and LocalStack as
 * localstack/docker-compose.yml runs them (reached from SAM's container through
 * host.docker.internal), the queue URLs by their deterministic names, and `npm start`'s WebSocket
 * gateway for pushes. Override any of them with DATABASE_URL, AWS_ENDPOINT_URL,
 * WEBSOCKET_MANAGEMENT_ENDPOINT, VIGIL_ACCOUNT or JWT_SECRET in the environment, or with
 * `sam local invoke --env-vars`. Then it prints one command per function with its sample event.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, names, type VigilConfig } from './config.ts';

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, unknown> }> };

/** The sample event of each function in test/events/ (the migrate function takes none). */
export const SAMPLE_EVENTS: Record<string, string[]> = {
  scheduler: ['scheduler-tick.json'],
  worker: ['worker-sqs.json'],
  results: ['results-sqs.json'],
  notifier: ['notifier-sqs.json', 'scheduler-tick.json'],
  'dead-letters': ['dead-letters-sqs.json'],
  websocket: ['websocket-connect.json', 'websocket-subscribe.json', 'websocket-disconnect.json'],
  migrate: [],
  api: ['api-login.json'],
};

export interface LocalEnvironment {
  databaseUrl: string;
  awsEndpointUrl: string;
  webSocketManagementEndpoint: string;
  account: string;
  jwtSecret: string;
}

export function localEnvironment(env: NodeJS.ProcessEnv = process.env): LocalEnvironment {
  return {
    databaseUrl: env.DATABASE_URL ?? 'postgres://vigil:vigil@host.docker.internal:5433/vigil',
    awsEndpointUrl: env.AWS_ENDPOINT_URL ?? 'http://host.docker.internal:4566',
    webSocketManagementEndpoint: env.WEBSOCKET_MANAGEMENT_ENDPOINT ?? 'http://host.docker.internal:8080',
    account: env.VIGIL_ACCOUNT ?? '000000000000',
    jwtSecret: env.JWT_SECRET ?? 'local-development-only',
  };
}

/** The template with every Vigil function's environment replaced by local values. */
export function samTemplate(template: Template, config: VigilConfig, local: LocalEnvironment): Template {
  const queueUrl = (region: string, name: string) => `https://sqs.${region}.amazonaws.com/${local.account}/${name}`;
  const values: Record<string, string> = {
    DATABASE_URL: local.databaseUrl,
    // Empty, so DATABASE_URL (and JWT_SECRET) win over the secrets.
    DATABASE_SECRET_ARN: '',
    JWT_SECRET_ARN: '',
    JWT_SECRET: local.jwtSecret,
    PGSSL: 'disable',
    AWS_ENDPOINT_URL: local.awsEndpointUrl,
    RESULTS_QUEUE_URL: queueUrl(config.homeRegion, names.resultsQueue(config)),
    NOTIFIER_QUEUE_URL: queueUrl(config.homeRegion, names.notifierQueue(config)),
    CHECK_QUEUE_URLS: JSON.stringify(Object.fromEntries(config.workerRegions.map((region) => [region, queueUrl(region, names.checkQueue(config, region))]))),
    EVENT_BUS_NAME: names.eventBus(config),
    WEBSOCKET_MANAGEMENT_ENDPOINT: local.webSocketManagementEndpoint,
    WEBSOCKET_URL: local.webSocketManagementEndpoint.replace(/^http/, 'ws') + '/ws',
  };
  const copy = structuredClone(template);
  for (const resource of Object.values(copy.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function' || typeof resource.Properties.FunctionName !== 'string') continue;
    const declared = (resource.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
    const variables: Record<string, string> = {};
    for (const [key, value] of Object.entries(declared)) variables[key] = values[key] ?? (typeof value === 'string' ? value : '');
    if ('DATABASE_SECRET_ARN' in declared) variables.DATABASE_URL = values.DATABASE_URL!;
    if ('JWT_SECRET_ARN' in declared) variables.JWT_SECRET = values.JWT_SECRET!;
    variables.AWS_ENDPOINT_URL = values.AWS_ENDPOINT_URL!;
    resource.Properties.Environment = { Variables: variables };
    // Lambda's VPC and log group settings mean nothing to SAM's container.
    delete resource.Properties.VpcConfig;
    delete resource.Properties.LoggingConfig;
  }
  return copy;
}

function main(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const configIndex = process.argv.indexOf('--config');
  const config = loadConfig(resolve(configIndex > 0 ? process.argv[configIndex + 1]! : process.env.VIGIL_CONFIG ?? join(root, 'infra/vigil.config.json')));
  const out = join(root, 'infra/cdk.out');
  const local = localEnvironment();
  const templates = readdirSync(out).filter((file) => file.endsWith('.template.json'));
  if (templates.length === 0) throw new Error(`no templates in ${out}: run (cd infra && npx cdk synth --quiet) first`);
  for (const file of templates) {
    const template = samTemplate(JSON.parse(readFileSync(join(out, file), 'utf8')) as Template, config, local);
    const samFile = join(out, file.replace('.template.json', '.sam.json'));
    writeFileSync(samFile, JSON.stringify(template, null, 1));
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const functionName = resource.Properties.FunctionName as unknown;
      if (resource.Type !== 'AWS::Lambda::Function' || typeof functionName !== 'string') continue;
      const role = functionName.slice(config.name.length + 1);
      const template = relative(root, samFile);
      if (role === 'api') {
        // A REST API proxy event from SAM itself: GET /api/v1/health needs no database row.
        process.stdout.write(`sam local generate-event apigateway aws-proxy --method GET --path api/v1/health | sam local invoke -t ${template} ${logicalId} -e -\n`);
      }
      const events = SAMPLE_EVENTS[role] ?? [];
      for (const event of events.length > 0 ? events : [undefined]) {
        process.stdout.write(`sam local invoke -t ${template} ${logicalId}${event ? ` -e test/events/${event}` : ' --no-event'}\n`);
      }
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
