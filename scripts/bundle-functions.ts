/**
 * Bundles each Lambda handler (functions/handlers/*) with esbuild into dist/lambda/<name>/, the
 * directories the CDK app deploys, and prints each bundle's size next to the 1 MB target.
 *
 *   npm run bundle
 *
 * Everything a handler imports is bundled, the AWS SDK clients it uses included (the Lambda
 * runtime's copy of the SDK changes under us; a bundled one does not). The worker also needs, beside
 * its index.mjs, the script sandbox's thread entry, the scripting API it loads into QuickJS, and
 * QuickJS's WebAssembly file, which are found next to the code at run time.
 */
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { deflateRawSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'dist/lambda');
/** The issue's target for each bundle's code; QuickJS's WebAssembly (the sandbox's engine, ~490 KiB) is counted apart. */
const TARGET_BYTES = 1_000_000;
/** Every handler in functions/handlers/ that is deployed; the CDK app (infra/) deploys what this lists. */
export const FUNCTIONS = ['scheduler', 'worker', 'results', 'notifier', 'dead-letters', 'migrate', 'api', 'websocket'] as const;

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  // ESM output still meets CommonJS dependencies that call require(): give them one.
  banner: { js: "import { createRequire as __vigilCreateRequire } from 'node:module'; const require = __vigilCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};

export type FunctionName = (typeof FUNCTIONS)[number];

/** Bundles one handler into `outDir/<name>/`; returns that directory. */
export async function bundleFunction(name: FunctionName, outDir = OUT): Promise<string> {
  const dir = join(outDir, name);
  await mkdir(dir, { recursive: true });
  await build({ ...common, entryPoints: [join(ROOT, `functions/handlers/${name}.ts`)], outfile: join(dir, 'index.mjs') });
  // The worker thread's entry is a plain .js file: this makes it (and anything else here) ESM.
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  if (name === 'worker') {
    const script = join(ROOT, 'functions/engines/script');
    await build({ ...common, entryPoints: [join(script, 'sandbox-worker.ts')], outfile: join(dir, 'sandbox-worker.js') });
    await mkdir(join(dir, 'guest'), { recursive: true });
    await copyFile(join(script, 'guest/bergamot-api.js'), join(dir, 'guest/bergamot-api.js'));
    const quickjs = dirname(fileURLToPath(import.meta.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')));
    await copyFile(join(quickjs, 'emscripten-module.wasm'), join(dir, 'emscripten-module.wasm'));
  }
  if (name === 'api') {
    // The dashboard's static files, read by functions/dashboard/mount.ts from dashboard/ beside the bundle.
    const dashboard = join(ROOT, 'functions/dashboard');
    await mkdir(join(dir, 'dashboard'), { recursive: true });
    for (const file of await readdir(dashboard)) {
      if (/\.(html|js|css)$/.test(file)) await copyFile(join(dashboard, file), join(dir, 'dashboard', file));
    }
  }
  if (name === 'migrate') {
    // The migrations travel with the function that applies them, so a new file changes its code
    // (and the deploy-time trigger runs again).
    const sql = join(ROOT, 'sql');
    await mkdir(join(dir, 'sql'), { recursive: true });
    for (const file of await readdir(sql)) {
      if (file.endsWith('.sql')) await copyFile(join(sql, file), join(dir, 'sql', file));
    }
  }
  return dir;
}

/** Bytes of JavaScript, of other files (QuickJS's WebAssembly), and of the whole directory deflated as Lambda's zip would. */
async function sizesOf(dir: string): Promise<{ code: number; assets: number; zipped: number }> {
  const sizes = { code: 0, assets: 0, zipped: 0 };
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const content = await readFile(join(entry.parentPath, entry.name));
    if (/\.(m?js|json|sql|html|css)$/.test(entry.name)) sizes.code += content.length;
    else sizes.assets += content.length;
    sizes.zipped += deflateRawSync(content, { level: 9 }).length;
  }
  return sizes;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

async function main(): Promise<void> {
  await rm(OUT, { recursive: true, force: true });
  let missed = 0;
  for (const name of FUNCTIONS) {
    const dir = await bundleFunction(name);
    const { code, assets, zipped } = await sizesOf(dir);
    const ok = code < TARGET_BYTES;
    if (!ok) missed++;
    const parts = assets > 0 ? `${kib(code)} code + ${kib(assets)} WebAssembly` : `${kib(code)} code`;
    process.stdout.write(`${name.padEnd(14)} ${parts.padEnd(32)} ${`(${kib(zipped)} zipped)`.padEnd(16)} target: code < 1 MB  ${ok ? 'OK' : 'MISSED'}\n`);
  }
  if (missed > 0) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
