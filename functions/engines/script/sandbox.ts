/**
 * The main thread's side of the script sandbox. One worker thread (sandbox-worker.ts) runs the
 * scripts of one engine, many at once: a script waiting for HTTP costs the worker nothing, and
 * only one script runs JavaScript at any moment. This side makes the scripts' HTTP requests
 * (script-http.ts) and holds their time limits:
 * - at a run's stop time the worker's interrupt handler stops a script that is running
 *   JavaScript, and a script that is waiting for HTTP is cancelled from here;
 * - a script that does not stop then (a loop of slow built-ins, such as `JSON.parse` of a big
 *   text, rarely reaches the interrupt handler) is stopped by terminating its worker. A fresh
 *   worker takes over; the other scripts that were in the old one start again there, once, if
 *   their time allows, and otherwise end with a result that says why. None is left hanging.
 */
import { Worker } from 'node:worker_threads';
import type { NetworkPolicy } from '../engine.ts';
import type { FromWorker, SandboxLimits, ScriptOutcome, ToWorker } from './sandbox-protocol.ts';
import { describeScriptRequest, sendScriptRequest } from './script-http.ts';

/** After its stop time, how long a busy script has to stop by itself before its worker is terminated. */
const HARD_STOP_GRACE_MS = 100;
/** A run's first try, and one more when another script's overrun took the worker down under it. */
const MAX_ATTEMPTS = 2;

export interface SandboxOptions extends SandboxLimits {
  /** Bytes of an HTTP response body a script may read. */
  maxResponseBytes: number;
}

export interface ScriptRunRequest {
  source: string;
  parameters: Record<string, string>;
  /** Epoch milliseconds when the script must have stopped; its HTTP requests stop then too. */
  stopAtMs: number;
  policy: NetworkPolicy;
  /** Aborts the run early, e.g. when the worker is shutting down. */
  signal: AbortSignal;
}

export type RunOutcome =
  | ScriptOutcome
  /** Stopped at its stop time while waiting for these HTTP requests (none: it had not started). */
  | { kind: 'stopped-waiting'; waitingFor: string[] }
  /** Still running JavaScript after its stop time, so its worker was terminated. */
  | { kind: 'killed' }
  /** Could not run to the end, for a reason outside the script. */
  | { kind: 'sandbox-failed'; reason: string };

interface Thread {
  worker: Worker;
  ready: Promise<void>;
  /** Messages the worker has not answered yet, oldest first: the first is what it runs now. */
  steps: { runId: number; stopAtMs: number }[];
  watchdog?: NodeJS.Timeout;
  ended: boolean;
}

interface Run {
  id: number;
  request: ScriptRunRequest;
  resolve: (outcome: RunOutcome) => void;
  attempts: number;
  thread?: Thread;
  /** Aborts the current attempt's HTTP requests. */
  http: AbortController;
  /** Descriptions of the HTTP requests in flight, by request id. */
  inFlight: Map<number, string>;
  stopping: boolean;
  settled: boolean;
  release: () => void;
}

export class ScriptSandbox {
  private thread: Thread | undefined;
  private readonly runs = new Map<number, Run>();
  private lastRunId = 0;

  constructor(private readonly options: SandboxOptions) {}

  /** Starts the worker now rather than at the first script (it takes a moment to load). */
  async start(): Promise<void> {
    await this.liveThread();
  }

  run(request: ScriptRunRequest): Promise<RunOutcome> {
    return new Promise<RunOutcome>((resolve) => {
      const run: Run = { id: ++this.lastRunId, request, resolve, attempts: 0, http: new AbortController(), inFlight: new Map(), stopping: false, settled: false, release: () => {} };
      this.runs.set(run.id, run);
      const stop = () => this.stop(run);
      const timer = setTimeout(stop, Math.max(0, request.stopAtMs - Date.now()));
      request.signal.addEventListener('abort', stop, { once: true });
      run.release = () => {
        clearTimeout(timer);
        request.signal.removeEventListener('abort', stop);
      };
      if (request.signal.aborted) return this.stop(run);
      void this.attempt(run);
    });
  }

  /** Stops the worker; scripts still running end with `sandbox-failed`. A later run starts a new worker. */
  async close(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    this.end(thread, 'the script engine was closed', { retry: false });
    await thread.worker.terminate();
  }

  private async attempt(run: Run): Promise<void> {
    run.attempts++;
    run.http.abort();
    run.http = new AbortController();
    run.inFlight.clear();
    let thread: Thread;
    try {
      thread = await this.liveThread();
    } catch (error) {
      return this.settle(run, { kind: 'sandbox-failed', reason: `the script sandbox did not start: ${error instanceof Error ? error.message : String(error)}` });
    }
    if (run.settled) return;
    run.thread = thread;
    const { source, parameters, stopAtMs } = run.request;
    this.send(thread, run, { type: 'start', runId: run.id, source, parameters, stopAtMs });
  }

  /** The run's time is up (or it was aborted). */
  private stop(run: Run): void {
    if (run.settled) return;
    run.stopping = true;
    const thread = run.thread;
    // The worker is running this script, or will next: the interrupt handler stops it (the
    // worker answers `finished`), and failing that the watchdog stops the worker.
    if (thread && !thread.ended && thread.steps.some((step) => step.runId === run.id)) return;
    if (thread && !thread.ended) this.send(thread, run, { type: 'cancel', runId: run.id });
    this.settle(run, { kind: 'stopped-waiting', waitingFor: [...run.inFlight.values()] });
  }

  private settle(run: Run, outcome: RunOutcome): void {
    if (run.settled) return;
    run.settled = true;
    run.release();
    run.http.abort();
    this.runs.delete(run.id);
    run.resolve(outcome);
  }

  private async liveThread(): Promise<Thread> {
    if (!this.thread || this.thread.ended) this.thread = this.spawn();
    const thread = this.thread;
    await thread.ready;
    return thread;
  }

  private spawn(): Thread {
    const { maxResponseBytes: _, ...limits } = this.options;
    const worker = new Worker(workerEntry(), { workerData: limits satisfies SandboxLimits });
    const thread: Thread = { worker, steps: [], ended: false, ready: Promise.resolve() };
    thread.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromWorker) => (message.type === 'ready' ? resolve() : this.receive(thread, message)));
      worker.once('error', (error) => {
        reject(error);
        this.end(thread, `the script sandbox failed: ${error.message}`, { retry: true });
      });
      worker.once('exit', (code) => {
        reject(new Error(`the sandbox worker exited (code ${code}) before it was ready`));
        this.end(thread, `the script sandbox stopped unexpectedly (exit code ${code})`, { retry: true });
      });
    });
    // Awaited by runs; a failure to start must not also surface as an unhandled rejection.
    thread.ready.catch(() => {});
    // An idle sandbox must not keep the process alive; a run in progress has timers that do.
    // Only once it is ready (a start awaited at top level needs the process to wait for it), and
    // after the listeners, since adding a 'message' listener refs the worker's port again.
    thread.ready.then(() => worker.unref(), () => {});
    return thread;
  }

  private receive(thread: Thread, message: FromWorker): void {
    if (message.type === 'request') return this.request(thread, message);
    if (message.type === 'ready') return;
    thread.steps.shift();
    this.arm(thread);
    const run = this.runs.get(message.runId);
    if (!run || run.thread !== thread) return;
    if (message.type === 'finished') return this.settle(run, message.outcome);
    if (message.type === 'waiting' && run.stopping) return this.stop(run);
  }

  private request(thread: Thread, message: Extract<FromWorker, { type: 'request' }>): void {
    const run = this.runs.get(message.runId);
    if (!run || run.thread !== thread) return;
    const http = run.http;
    run.inFlight.set(message.requestId, describeScriptRequest(message.request));
    const context = { signal: http.signal, policy: run.request.policy, maxBodyBytes: this.options.maxResponseBytes };
    void sendScriptRequest(message.request, context).then((reply) => {
      run.inFlight.delete(message.requestId);
      if (http.signal.aborted || run.settled || thread.ended) return;
      this.send(thread, run, { type: 'reply', runId: run.id, requestId: message.requestId, reply });
    });
  }

  private send(thread: Thread, run: Run, message: ToWorker): void {
    thread.steps.push({ runId: run.id, stopAtMs: run.request.stopAtMs });
    if (thread.steps.length === 1) this.arm(thread);
    thread.worker.postMessage(message);
  }

  /** Watches the step the worker is running now: past its stop time and grace, the worker goes. */
  private arm(thread: Thread): void {
    clearTimeout(thread.watchdog);
    const current = thread.steps[0];
    if (!current || thread.ended) return;
    thread.watchdog = setTimeout(() => {
      this.end(thread, 'another script overran its time and its sandbox was restarted', { retry: true, culprit: current.runId });
      void thread.worker.terminate();
      // Have the next worker loaded before the next check needs it.
      this.liveThread().catch(() => {});
    }, Math.max(0, current.stopAtMs + HARD_STOP_GRACE_MS - Date.now()));
  }

  /** The thread is gone: its scripts start again on a new one, or end with a reason. */
  private end(thread: Thread, reason: string, options: { retry: boolean; culprit?: number }): void {
    if (thread.ended) return;
    thread.ended = true;
    clearTimeout(thread.watchdog);
    if (this.thread === thread) this.thread = undefined;
    for (const run of [...this.runs.values()]) {
      if (run.thread !== thread) continue;
      if (run.id === options.culprit) this.settle(run, { kind: 'killed' });
      else if (options.retry && run.attempts < MAX_ATTEMPTS && !run.stopping && Date.now() < run.request.stopAtMs) void this.attempt(run);
      else this.settle(run, { kind: 'sandbox-failed', reason });
    }
  }
}

/**
 * The worker's entry point. Built, it is the compiled sandbox-worker.js beside this file. From
 * source (under tsx) a small loader registers tsx in the worker first: Node 20 does not pass
 * tsx's hooks on to worker threads.
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./sandbox-worker.js', import.meta.url);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./sandbox-worker.ts', import.meta.url).href;
  const loader = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(loader)}`);
}
