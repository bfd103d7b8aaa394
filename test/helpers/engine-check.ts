/**
 * Running an engine the way a worker does, through runCheck, against a check on a host at
 * 127.0.0.1: tests then see exactly what a worker would store (deadline, caps, redaction included).
 */
import type { CheckResult, Engine, EngineCheck } from '#engines/engine.ts';
import { runCheck } from '#engines/run-check.ts';

export function engineCheck(engine: string, overrides: Partial<EngineCheck> = {}): EngineCheck {
  return {
    checkId: '00000000-0000-4000-8000-000000000001',
    siteId: '00000000-0000-4000-8000-000000000002',
    name: `${engine}-test`,
    host: { name: 'localhost', address: '127.0.0.1' },
    command: { name: `${engine}-test`, engine },
    network: { allowMetadataAddresses: false },
    ...overrides,
  };
}

export interface RunEngineOptions {
  /** Names of parameters runCheck treats as secrets. @defaultValue none */
  secretNames?: string[];
  /** @defaultValue 5 s: far beyond what a loopback check needs, so only deliberate timeouts hit it */
  timeoutMs?: number;
  check?: Partial<EngineCheck>;
}

export function runEngine(engine: Engine, parameters: Record<string, string>, options: RunEngineOptions = {}): Promise<CheckResult> {
  return runCheck(engine, engineCheck(engine.name, options.check), parameters, options.secretNames ?? [], { timeoutMs: options.timeoutMs ?? 5_000 });
}
