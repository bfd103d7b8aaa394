/**
 * `npm run test:localstack`: deploys Vigil into LocalStack with cdklocal and drives a check end to
 * end through EventBridge, SQS, Lambda and the WebSocket API (localstack/suite.ts).
 *
 *   npx tsx localstack/run-suite.ts [--no-deploy]
 *
 * Environment: LOCALSTACK_ENDPOINT (default http://localhost:4566), DATABASE_URL (the compose
 * PostgreSQL as this machine sees it; default postgres://vigil:vigil@127.0.0.1:5433/vigil).
 *
 * When LocalStack is not reachable it says so and exits 1 at once: it needs Docker, so it is not
 * part of `npm test`. Exit codes: 0 passed, 1 LocalStack missing or a step failed.
 */
import { checkLocalStack, localStackEndpoint } from './health.ts';

const DEFAULT_DATABASE_URL = 'postgres://vigil:vigil@127.0.0.1:5433/vigil';

const endpoint = localStackEndpoint();
const health = await checkLocalStack(endpoint);
if (!health.ok) {
  process.stderr.write(`test:localstack: ${health.message}\n`);
  process.exit(1);
}
process.stdout.write(`LocalStack ${health.version} (${health.edition}) at ${endpoint}\n`);
for (const warning of health.warnings) process.stdout.write(`warning: ${warning}\n`);

// Loaded only now: the check above must answer quickly and need nothing else.
const { runSuite } = await import('./suite.ts');
const { loadConfig } = await import('../infra/config.ts');
const deploy = !process.argv.includes('--no-deploy');
try {
  await runSuite({
    endpoint,
    databaseUrl: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    deploy,
    ...(deploy ? {} : { config: loadConfig(new URL('./.deploy/vigil.config.json', import.meta.url).pathname) }),
  });
  process.stdout.write('test:localstack: passed\n');
} catch (error) {
  process.stderr.write(`test:localstack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
