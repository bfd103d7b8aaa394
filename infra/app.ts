/**
 * The CDK app: `cd infra && npx cdk synth` (or deploy). It bundles every function with
 * scripts/bundle-functions.ts into dist/lambda/ first, so a clean clone synthesises offline with
 * no other step, then builds the stacks from the configuration:
 *
 *   infra/vigil.config.json              by default
 *   -c config=path/to/file.json          or VIGIL_CONFIG=path/to/file.json
 *   -c bundles=path/to/dist/lambda       deploy bundles built beforehand (skips bundling)
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { bundleAll, bundlesIn } from './bundles.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createVigilStacks } from './vigil-app.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const app = new App();

const configPath = resolve((app.node.tryGetContext('config') as string | undefined) ?? process.env.VIGIL_CONFIG ?? join(ROOT, 'infra/vigil.config.json'));
let config;
try {
  config = loadConfig(configPath);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const prebuilt = app.node.tryGetContext('bundles') as string | undefined;
const bundles = prebuilt ? bundlesIn(resolve(prebuilt)) : await bundleAll(join(ROOT, 'dist/lambda'));
createVigilStacks(app, config, bundles);
app.synth();
