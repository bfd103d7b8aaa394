/**
 * What the main thread (sandbox.ts) and the sandbox worker (sandbox-worker.ts) say to each other.
 * Every message to the worker is answered by exactly one `waiting`, `finished` or `cancelled`, in
 * order, so the main thread always knows which script the worker is busy with (and can stop the
 * worker when that script overruns). `request` messages come in between, while a script runs.
 */

export interface SandboxLimits {
  /**
   * The worker's whole WebAssembly memory, shared by every script it runs at once. A fixed
   * maximum is the only real cap: QuickJS's own limit does not count everything (TOOLCHAIN.md).
   */
  wasmMemoryBytes: number;
  /** One script's heap, as QuickJS counts it: past it the script gets "out of memory". */
  scriptMemoryBytes: number;
  /** One script's stack: deep recursion becomes a clean "stack overflow" error. */
  stackBytes: number;
  /** HTTP requests one run of a script may make. */
  maxRequestsPerRun: number;
}

/** One HTTP request as a script built it with `http.check()`: untrusted, checked before use. */
export interface ScriptHttpRequest {
  method: string;
  host: string;
  /** -1 for the scheme's default port. */
  port: number;
  ssl: boolean;
  permitInvalidCerts: boolean;
  /** Sent as the Host header and in TLS SNI; the connection goes to `host`. */
  virtualHost: string | null;
  path: string;
  headers: [string, string][];
  username: string | null;
  password: string | null;
  contentType: string | null;
  content: string | null;
  timeoutMs: number | null;
}

export type ScriptHttpReply =
  | { ok: true; status: number; headers: Record<string, string>; body: string; runtimeMs: number }
  | { ok: false; message: string };

/** A reading as the guest API builds it; checked again before it becomes a Reading. */
export interface GuestReading {
  name: string;
  unit: string | null;
  value: number | null;
  warning: number | null;
  critical: number | null;
  min: number | null;
  max: number | null;
}

/** How a script run ended inside the worker. */
export type ScriptOutcome =
  /** The script and its callbacks ran to the end; `result` is null when it published none. */
  | { kind: 'finished'; result: { status: string; output: string } | null; readings: GuestReading[]; notes: string[] }
  /** An uncaught exception; `line` is in the check's script. */
  | { kind: 'thrown'; name: string; message: string; line?: number; stack?: string }
  /** Stopped by the interrupt handler at its time limit. */
  | { kind: 'interrupted' }
  | { kind: 'out-of-memory' };

export type ToWorker =
  | { type: 'start'; runId: number; source: string; parameters: Record<string, string>; stopAtMs: number }
  | { type: 'reply'; runId: number; requestId: number; reply: ScriptHttpReply }
  | { type: 'cancel'; runId: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'request'; runId: number; requestId: number; request: ScriptHttpRequest }
  /** The step is done and the script waits for HTTP replies. */
  | { type: 'waiting'; runId: number }
  | { type: 'finished'; runId: number; outcome: ScriptOutcome }
  | { type: 'cancelled'; runId: number };
