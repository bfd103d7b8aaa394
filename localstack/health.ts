/**
 * Is LocalStack there, and does it run what Vigil deploys? Asked before anything else, so that a
 * machine without LocalStack (no Docker) gets one clear line and a non-zero exit.
 */

/** Where LocalStack's gateway is: `LOCALSTACK_ENDPOINT`, else `AWS_ENDPOINT_URL`, else its default. */
export function localStackEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.LOCALSTACK_ENDPOINT || env.AWS_ENDPOINT_URL || 'http://localhost:4566').replace(/\/+$/, '');
}

/** The services the deployment and the suite use, by the names LocalStack's health endpoint gives them. */
export const REQUIRED_SERVICES = ['cloudformation', 'iam', 'sts', 's3', 'ssm', 'lambda', 'sqs', 'events', 'secretsmanager', 'logs', 'cloudwatch', 'sns', 'apigateway'] as const;

/** How long to wait for the health endpoint: LocalStack answers it in milliseconds once it is up. */
const HEALTH_TIMEOUT_MS = 3_000;

export type HealthCheck =
  | { ok: true; edition: string; version: string; warnings: string[] }
  | { ok: false; message: string };

/**
 * GET `<endpoint>/_localstack/health` and judge the answer. Not reachable, not JSON, or a required
 * service missing or failed: `ok: false` with a message that says what to do.
 */
export async function checkLocalStack(endpoint: string, timeoutMs = HEALTH_TIMEOUT_MS): Promise<HealthCheck> {
  const url = `${endpoint}/_localstack/health`;
  const start = 'Start it with: LOCALSTACK_AUTH_TOKEN=... docker compose -f localstack/docker-compose.yml up -d --wait (see localstack/README.md)';
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    return { ok: false, message: `could not reach LocalStack at ${url} (${reason}). ${start}` };
  }
  if (!response.ok) return { ok: false, message: `could not reach LocalStack at ${url}: it answered HTTP ${response.status}. ${start}` };
  let body: { services?: Record<string, string>; edition?: string; version?: string };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    return { ok: false, message: `could not reach LocalStack at ${url}: the answer is not LocalStack's health JSON` };
  }
  const services = body.services ?? {};
  const unavailable = REQUIRED_SERVICES.filter((name) => !['running', 'available'].includes(services[name] ?? 'missing'));
  if (unavailable.length > 0) {
    return { ok: false, message: `LocalStack at ${endpoint} does not run ${unavailable.map((name) => `${name} (${services[name] ?? 'missing'})`).join(', ')}: Vigil's deployment needs them` };
  }
  const warnings = body.edition === 'community'
    ? ['this is LocalStack\'s free edition: the WebSocket API (API Gateway v2) needs the paid image, so the deploy will fail there']
    : [];
  return { ok: true, edition: body.edition ?? 'unknown', version: body.version ?? 'unknown', warnings };
}
