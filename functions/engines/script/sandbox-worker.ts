/**
 * The sandbox worker: runs check scripts in QuickJS, compiled to WebAssembly, inside a worker
 * thread. The thread lets the main thread stop a script that will not stop (worker.terminate()
 * also ends a loop inside a slow built-in, which QuickJS's interrupt handler cannot), and keeps a
 * script's CPU time off the main thread's sockets. Each run gets a fresh QuickJS runtime with its
 * own heap and stack limits, and Bergamot's API (guest/bergamot-api.js) as its only way out: no
 * process, require, fetch, timers or files. Its HTTP requests go to the main thread as messages.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as releaseSync from '@jitl/quickjs-wasmfile-release-sync';
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  shouldInterruptAfterDeadline,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSSyncVariant,
} from 'quickjs-emscripten-core';
import type { FromWorker, SandboxLimits, ScriptHttpReply, ScriptHttpRequest, ScriptOutcome, ToWorker } from './sandbox-protocol.ts';

const WASM_PAGE_BYTES = 65_536;
/** The QuickJS build does not start with less (TOOLCHAIN.md). */
const MIN_WASM_PAGES = 256;
/** The file name scripts' stack traces show, so that errors can point at a line of the script. */
const SCRIPT_FILE = 'check.js';
const STACK_FRAMES_KEPT = 8;

if (!parentPort) throw new Error('sandbox-worker.ts runs as a worker thread (see sandbox.ts)');
const port = parentPort;
const limits = workerData as SandboxLimits;
const apiSource = readFileSync(new URL('./guest/bergamot-api.js', import.meta.url), 'utf8');
const maximumPages = Math.max(MIN_WASM_PAGES, Math.floor(limits.wasmMemoryBytes / WASM_PAGE_BYTES));
// The package's types describe its CommonJS build; Node loads its ES module, whose default
// export is the variant itself.
const variant = releaseSync.default as unknown as QuickJSSyncVariant;
// The compiler's libraries here do not declare WebAssembly; Node has it.
const { WebAssembly } = globalThis as unknown as { WebAssembly: { Memory: new (size: { initial: number; maximum: number }) => object } };
const quickjs = await newQuickJSWASMModuleFromVariant(
  // A fixed maximum: the one memory cap that holds whatever the script allocates (TOOLCHAIN.md).
  newVariant(variant, { wasmMemory: new WebAssembly.Memory({ initial: MIN_WASM_PAGES, maximum: maximumPages }) }),
);

/** Ends a run early with its outcome, from anywhere inside a step. */
class Stop {
  constructor(readonly outcome: ScriptOutcome) {}
}

class Run {
  private readonly runtime: QuickJSRuntime;
  private readonly context: QuickJSContext;
  /** Handles that live as long as the run, disposed with it. */
  private readonly handles: QuickJSHandle[] = [];
  private deliver: QuickJSHandle | undefined;
  private outcome: QuickJSHandle | undefined;
  private requests = 0;
  readonly outstanding = new Set<number>();

  constructor(
    readonly id: number,
    stopAtMs: number,
  ) {
    this.runtime = quickjs.newRuntime();
    this.runtime.setMemoryLimit(limits.scriptMemoryBytes);
    this.runtime.setMaxStackSize(limits.stackBytes);
    this.runtime.setInterruptHandler(shouldInterruptAfterDeadline(stopAtMs));
    this.context = this.runtime.newContext();
  }

  /** Installs the API, then runs the script's top level. */
  start(source: string, parameters: Record<string, string>): void {
    const ctx = this.context;
    const install = this.keep(this.unwrap(ctx.evalCode(apiSource, 'bergamot-api.js')));
    const host = this.keep(ctx.newObject());
    const send = this.keep(ctx.newFunction('send', (json) => this.send(ctx.getString(json))));
    ctx.setProp(host, 'send', send);
    const input = this.keep(ctx.newString(JSON.stringify({ parameters })));
    const api = this.keep(this.unwrap(ctx.callFunction(install, ctx.undefined, host, input)));
    this.deliver = this.keep(ctx.getProp(api, 'deliver'));
    this.outcome = this.keep(ctx.getProp(api, 'outcome'));
    this.unwrap(ctx.evalCode(source, SCRIPT_FILE)).dispose();
    this.runJobs();
  }

  /** Hands an HTTP answer to the script's callback. */
  reply(requestId: number, reply: ScriptHttpReply): void {
    if (!this.outstanding.delete(requestId)) return;
    const ctx = this.context;
    const args = reply.ok
      ? [ctx.newNumber(requestId), ctx.null, ctx.newNumber(reply.status), ctx.newString(JSON.stringify(reply.headers)), ctx.newString(reply.body), ctx.newNumber(reply.runtimeMs)]
      : [ctx.newNumber(requestId), ctx.newString(reply.message)];
    try {
      this.unwrap(ctx.callFunction(this.deliver!, ctx.undefined, ...args)).dispose();
    } finally {
      for (const arg of args) arg.dispose();
    }
    this.runJobs();
  }

  /** What the script published, once it has nothing left to wait for. */
  finish(): ScriptOutcome {
    const handle = this.unwrap(this.context.callFunction(this.outcome!, this.context.undefined));
    const published = JSON.parse(this.context.getString(handle)) as Omit<Extract<ScriptOutcome, { kind: 'finished' }>, 'kind'>;
    handle.dispose();
    return { kind: 'finished', result: published.result, readings: published.readings, notes: published.notes };
  }

  dispose(): void {
    for (const handle of this.handles.reverse()) if (handle.alive) handle.dispose();
    this.context.dispose();
    this.runtime.dispose();
  }

  /** The host side of `http.check().execute()`: the request goes to the main thread. */
  private send(json: string): QuickJSHandle {
    if (this.requests >= limits.maxRequestsPerRun) {
      throw new Error(`a script may make at most ${limits.maxRequestsPerRun} HTTP requests per run`);
    }
    const request = JSON.parse(json) as ScriptHttpRequest;
    const requestId = ++this.requests;
    this.outstanding.add(requestId);
    post({ type: 'request', runId: this.id, requestId, request });
    return this.context.newNumber(requestId);
  }

  /** Promise callbacks the script queued run now: nothing else would ever run them. */
  private runJobs(): void {
    const jobs = this.runtime.executePendingJobs();
    if (jobs.error) {
      const outcome = failureOf(jobs.error.context, jobs.error);
      jobs.error.dispose();
      throw new Stop(outcome);
    }
  }

  private unwrap(result: { value: QuickJSHandle; error?: undefined } | { error: QuickJSHandle }): QuickJSHandle {
    if (result.error) {
      const outcome = failureOf(this.context, result.error);
      result.error.dispose();
      throw new Stop(outcome);
    }
    return result.value;
  }

  private keep(handle: QuickJSHandle): QuickJSHandle {
    this.handles.push(handle);
    return handle;
  }
}

/** What an exception thrown in the guest means for the check. */
function failureOf(context: QuickJSContext, error: QuickJSHandle): ScriptOutcome {
  let thrown: unknown;
  try {
    thrown = context.dump(error);
  } catch {
    // Reading the error needs memory too; when even that fails, memory is what ran out.
    return { kind: 'out-of-memory' };
  }
  if (thrown === null || typeof thrown !== 'object' || typeof (thrown as Error).message !== 'string') {
    return { kind: 'thrown', name: 'Error', message: `the script threw ${JSON.stringify(thrown) ?? String(thrown)}` };
  }
  const { name, message, stack } = thrown as Error;
  if (name === 'InternalError' && message === 'interrupted') return { kind: 'interrupted' };
  if (name === 'InternalError' && message === 'out of memory') return { kind: 'out-of-memory' };
  const frames = (stack ?? '').split('\n').filter((line) => line.includes(`(${SCRIPT_FILE}:`));
  const line = /\(check\.js:(\d+)/.exec(frames[0] ?? '')?.[1];
  const outcome: ScriptOutcome = { kind: 'thrown', name: String(name), message };
  if (line !== undefined) outcome.line = Number(line);
  if (frames.length > 0) outcome.stack = frames.slice(0, STACK_FRAMES_KEPT).map((frame) => frame.trim()).join('\n');
  return outcome;
}

const runs = new Map<number, Run>();

function post(message: FromWorker): void {
  port.postMessage(message);
}

/** One step of a run; answers with `waiting` or `finished`, as the protocol promises. */
function step(runId: number, run: Run | undefined, work: (run: Run) => void): void {
  if (!run) return post({ type: 'cancelled', runId });
  let outcome: ScriptOutcome;
  try {
    work(run);
    if (run.outstanding.size > 0) return post({ type: 'waiting', runId });
    outcome = run.finish();
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    outcome = error.outcome;
  }
  runs.delete(runId);
  post({ type: 'finished', runId, outcome });
  run.dispose();
}

port.on('message', (message: ToWorker) => {
  const { runId } = message;
  switch (message.type) {
    case 'start': {
      const run = new Run(runId, message.stopAtMs);
      runs.set(runId, run);
      return step(runId, run, (r) => r.start(message.source, message.parameters));
    }
    case 'reply':
      return step(runId, runs.get(runId), (r) => r.reply(message.requestId, message.reply));
    case 'cancel':
      runs.get(runId)?.dispose();
      runs.delete(runId);
      return post({ type: 'cancelled', runId });
  }
});
post({ type: 'ready' });
