/**
 * Runs the benchmarks: every `bench/*.bench.ts` in name order, or the ones named on the command
 * line (`npm run bench -- group-rollup`). Each runs in a child process of its own, so one
 * benchmark's database, memory and JIT-warmed code do not colour the next one's figures.
 *
 * Exits non-zero only when a benchmark fails to run; a missed target is a printed figure, not a
 * failure.
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIRECTORY = dirname(fileURLToPath(import.meta.url));
const SUFFIX = '.bench.ts';

const available = (await readdir(BENCH_DIRECTORY)).filter((file) => file.endsWith(SUFFIX)).sort();
const requested = process.argv.slice(2);
const selected = requested.length === 0 ? available : available.filter((file) => requested.some((name) => matches(file, name)));

const unknown = requested.filter((name) => !available.some((file) => matches(file, name)));
if (unknown.length > 0) {
  process.stderr.write(`no benchmark named ${unknown.join(', ')}; there are: ${available.map((f) => basename(f, SUFFIX)).join(', ')}\n`);
  process.exit(2);
}

const failed: string[] = [];
for (const file of selected) {
  process.stdout.write(`\n== ${basename(file, SUFFIX)}\n`);
  const exitCode = await runInChild(join(BENCH_DIRECTORY, file));
  if (exitCode !== 0) failed.push(`${file} (exit ${exitCode})`);
}
if (failed.length > 0) {
  process.stderr.write(`\nfailed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}

/** `group-rollup`, `group-rollup.bench.ts` and `bench/group-rollup.bench.ts` all name one file. */
function matches(file: string, name: string): boolean {
  const wanted = basename(name);
  return file === wanted || file === `${wanted}${SUFFIX}`;
}

function runInChild(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
