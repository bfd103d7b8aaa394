/**
 * What the Lambda handlers read from their environment (set by the CDK app in infra/), read once
 * per cold start. A missing or malformed variable stops the function with an error naming it,
 * rather than failing later in a way that hides the cause.
 *
 * AWS endpoints follow the SDK's own settings (`AWS_REGION`, `AWS_ENDPOINT_URL`, or per service
 * `AWS_ENDPOINT_URL_SQS`...), which is how the LocalStack suite points them at LocalStack.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';

export class EnvironmentError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`environment variable ${variable} ${problem}`);
    this.name = 'EnvironmentError';
  }
}

export function required(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new EnvironmentError(name, 'is not set');
  return value;
}

export function optionalInteger(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new EnvironmentError(name, `must be a whole number, not '${value}'`);
  return parsed;
}

/** `{"eu-west-1": "https://sqs.eu-west-1.amazonaws.com/123/vigil-checks-eu-west-1", ...}` */
export function queueUrlsByRegion(name: string, env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(required(name, env));
  } catch (error) {
    if (error instanceof EnvironmentError) throw error;
    throw new EnvironmentError(name, 'must be a JSON object of region -> queue URL');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((url) => typeof url !== 'string')) {
    throw new EnvironmentError(name, 'must be a JSON object of region -> queue URL');
  }
  return new Map(Object.entries(parsed as Record<string, string>));
}

/**
 * The database URL: `DATABASE_URL`, or the secret `DATABASE_SECRET_ARN` names, holding either a
 * URL or RDS's JSON secret (`username`, `password`, `host`, `port`, `dbname`).
 */
export async function databaseUrl(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const arn = env.DATABASE_SECRET_ARN;
  if (!arn) throw new EnvironmentError('DATABASE_URL', 'is not set, and neither is DATABASE_SECRET_ARN');
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  return databaseUrlFromSecret(secret.SecretString ?? '', arn);
}

export function databaseUrlFromSecret(text: string, source: string): string {
  if (/^postgres(ql)?:\/\//.test(text)) return text;
  let secret: Record<string, unknown>;
  try {
    secret = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new EnvironmentError('DATABASE_SECRET_ARN', `names a secret (${source}) that is neither a postgres:// URL nor JSON`);
  }
  const { username, password, host, port = 5432, dbname = 'postgres' } = secret;
  if (typeof username !== 'string' || typeof password !== 'string' || typeof host !== 'string') {
    throw new EnvironmentError('DATABASE_SECRET_ARN', `names a secret (${source}) without username, password and host`);
  }
  return `postgres://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${host}:${String(port)}/${encodeURIComponent(String(dbname))}`;
}

/**
 * An SQS client for `region`. Requests go to the configured endpoint, never to the host a queue
 * URL names: by default the SDK prefers the queue URL's host, which with LocalStack or an emulator
 * is a name that may not resolve.
 */
export function sqsClient(region?: string): SQSClient {
  return new SQSClient({ ...(region ? { region } : {}), useQueueUrlAsEndpoint: false });
}

/**
 * The key sessions are signed with (the REST API) and checked with (the REST API and the
 * WebSocket API): `JWT_SECRET`, or the secret `JWT_SECRET_ARN` names in Secrets Manager, so the
 * key need not sit in the function's configuration.
 */
export async function jwtSecret(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.JWT_SECRET) return env.JWT_SECRET;
  const arn = env.JWT_SECRET_ARN;
  if (!arn) throw new EnvironmentError('JWT_SECRET', 'is not set, and neither is JWT_SECRET_ARN');
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  if (!secret.SecretString) throw new EnvironmentError('JWT_SECRET_ARN', `names a secret (${arn}) with no text`);
  return secret.SecretString;
}

/** `https://sqs.eu-west-1.amazonaws.com/...` -> `eu-west-1`; undefined for other endpoints (LocalStack). */
export function regionOfQueueUrl(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\//.exec(url)?.[1];
}
