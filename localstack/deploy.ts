/**
 * Deploys Vigil into LocalStack with `cdklocal` (aws-cdk-local), the same CDK app as for AWS:
 *
 *   npx tsx localstack/deploy.ts            (LocalStack and PostgreSQL from docker-compose.yml running)
 *
 * 1. Creates (or updates) a Secrets Manager secret in LocalStack holding the compose PostgreSQL's
 *    URL as the Lambda containers see it (postgres:5432), so the stacks take the "secret" database
 *    path (LocalStack's free edition has no RDS, and a real Aurora cluster is not the point here).
 * 2. Writes the deployment configuration: localstack/vigil.localstack.json plus that secret's ARN,
 *    into localstack/.deploy/vigil.config.json.
 * 3. `cdklocal bootstrap` every region, then `cdklocal deploy --all`: the home stack (whose
 *    trigger applies the migrations) and one worker stack per region.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateSecretCommand, DescribeSecretCommand, PutSecretValueCommand, ResourceExistsException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadConfig, type VigilConfig } from '../infra/config.ts';
import { localStackEndpoint } from './health.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..');
/** LocalStack's default account. */
export const LOCALSTACK_ACCOUNT = '000000000000';
/** What Lambda containers on the compose network connect to. */
export const LAMBDA_DATABASE_URL = 'postgres://vigil:vigil@postgres:5432/vigil';
const SECRET_NAME = 'vigil/localstack-database';

export interface LocalDeployment {
  config: VigilConfig;
  configPath: string;
  secretArn: string;
}

/** LocalStack checks no signatures; the SDK still wants some credentials. */
export const LOCALSTACK_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export async function deployToLocalStack(endpoint: string, log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<LocalDeployment> {
  const base = JSON.parse(await readFile(join(HERE, 'vigil.localstack.json'), 'utf8')) as Record<string, unknown> & { homeRegion: string };
  const secretArn = await putDatabaseSecret(endpoint, base.homeRegion, process.env.VIGIL_LAMBDA_DATABASE_URL ?? LAMBDA_DATABASE_URL);
  log(`database secret: ${secretArn}`);

  const configPath = join(HERE, '.deploy', 'vigil.config.json');
  await mkdir(join(HERE, '.deploy'), { recursive: true });
  await writeFile(configPath, `${JSON.stringify({ ...base, database: { kind: 'secret', secretArn } }, null, 2)}\n`);
  const config = loadConfig(configPath);

  const cdklocal = join(ROOT, 'node_modules/.bin/cdklocal');
  const context = ['-c', `config=${configPath}`];
  const environments = config.workerRegions.map((region) => `aws://${LOCALSTACK_ACCOUNT}/${region}`);
  log(`cdklocal bootstrap ${environments.join(' ')}`);
  await run(cdklocal, ['bootstrap', ...environments, ...context], endpoint, config.homeRegion);
  log('cdklocal deploy --all');
  await run(cdklocal, ['deploy', '--all', '--require-approval', 'never', '--progress', 'events', ...context], endpoint, config.homeRegion);
  return { config, configPath, secretArn };
}

/** Creates the database secret, or points the existing one at `url`; returns its ARN. */
async function putDatabaseSecret(endpoint: string, region: string, url: string): Promise<string> {
  const client = new SecretsManagerClient({ endpoint, region, credentials: LOCALSTACK_CREDENTIALS });
  try {
    const created = await client.send(new CreateSecretCommand({ Name: SECRET_NAME, SecretString: url, Description: 'Vigil LocalStack suite: the compose PostgreSQL' }));
    return created.ARN!;
  } catch (error) {
    if (!(error instanceof ResourceExistsException)) throw error;
    await client.send(new PutSecretValueCommand({ SecretId: SECRET_NAME, SecretString: url }));
    const described = await client.send(new DescribeSecretCommand({ SecretId: SECRET_NAME }));
    return described.ARN!;
  }
}

/** Runs cdklocal in infra/ (where cdk.json is) against LocalStack; rejects on a non-zero exit. */
function run(command: string, args: string[], endpoint: string, region: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: join(ROOT, 'infra'),
      stdio: 'inherit',
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: LOCALSTACK_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCALSTACK_CREDENTIALS.secretAccessKey,
      },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args[0]} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { checkLocalStack } = await import('./health.ts');
  const endpoint = localStackEndpoint();
  const health = await checkLocalStack(endpoint);
  if (!health.ok) {
    process.stderr.write(`${health.message}\n`);
    process.exit(1);
  }
  await deployToLocalStack(endpoint);
}
