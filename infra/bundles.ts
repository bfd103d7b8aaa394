/**
 * Where each function's code comes from: the esbuild bundles of scripts/bundle-functions.ts, one
 * way of bundling for the whole project (so `cdk synth` deploys exactly what `npm run bundle`
 * measured and test/handlers/bundled-handlers.test.ts ran). The CDK app bundles before it
 * synthesises, so a clean clone synthesises offline with nothing built beforehand.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFunction, FUNCTIONS, type FunctionName } from '../scripts/bundle-functions.ts';

/** Every function the stacks know how to deploy. */
export const VIGIL_FUNCTIONS = ['scheduler', 'worker', 'results', 'notifier', 'dead-letters', 'migrate', 'api', 'websocket'] as const;
export type VigilFunctionName = (typeof VIGIL_FUNCTIONS)[number];

/** The bundle directories the stacks deploy. */
export interface FunctionBundles {
  /** Whether this function is bundled (api and websocket are deployed once their handlers exist). */
  has(name: VigilFunctionName): boolean;
  /** Its bundle directory; throws when it is not bundled. */
  directory(name: VigilFunctionName): string;
}

/** The bundles found in `outDir/<name>/` (each with its index.mjs). */
export function bundlesIn(outDir: string): FunctionBundles {
  const present = new Set(VIGIL_FUNCTIONS.filter((name) => existsSync(join(outDir, name, 'index.mjs'))));
  return {
    has: (name) => present.has(name),
    directory: (name) => {
      if (!present.has(name)) throw new Error(`no bundle for '${name}' in ${outDir}: run npm run bundle (or let the CDK app bundle)`);
      return join(outDir, name);
    },
  };
}

/**
 * Bundles every function scripts/bundle-functions.ts lists into `outDir`, and only those: a
 * directory left from an earlier build of a function no longer listed is not deployed.
 */
export async function bundleAll(outDir: string): Promise<FunctionBundles> {
  const listed = new Set<string>(FUNCTIONS);
  await Promise.all(FUNCTIONS.map((name) => bundleFunction(name, outDir)));
  const found = bundlesIn(outDir);
  return { has: (name) => listed.has(name) && found.has(name), directory: (name) => found.directory(name) };
}

export type { FunctionName };
