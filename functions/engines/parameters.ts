/**
 * A check's resolved parameters with typed getters. A value that is missing or of the wrong type
 * throws a ParameterError naming the parameter; `runCheck` turns it into an ERROR result that
 * says which parameter to fix, so engines can read parameters without checking each one.
 */
import { parseDurationMs } from '#core/duration.ts';
import type { ParameterSpec } from './engine.ts';

export class ParameterError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`parameter '${parameter}': ${message}`);
    this.name = 'ParameterError';
  }
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

export class CheckParameters {
  private readonly values: ReadonlyMap<string, string>;

  /**
   * @param values resolved parameter values (name -> text)
   * @param secretNames names of parameters whose values are secrets (see `secrets()`)
   * @param specs the engine's parameter specs, whose defaults fill in unset parameters
   */
  constructor(
    values: Record<string, string>,
    private readonly secretNames: readonly string[] = [],
    specs: readonly ParameterSpec[] = [],
  ) {
    const merged = new Map<string, string>();
    for (const spec of specs) if (spec.default !== undefined) merged.set(spec.name, spec.default);
    for (const [name, value] of Object.entries(values)) merged.set(name, value);
    this.values = merged;
  }

  has(name: string): boolean {
    const value = this.values.get(name);
    return value !== undefined && value !== '';
  }

  /** The names of every parameter that has a value. */
  names(): string[] {
    return [...this.values.keys()].filter((name) => this.has(name));
  }

  /** The text of a parameter, or undefined when it is unset or empty. */
  optional(name: string): string | undefined {
    return this.has(name) ? this.values.get(name) : undefined;
  }

  string(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw new ParameterError(name, 'is required but not set');
    return value;
  }

  integer(name: string): number;
  integer(name: string, fallback: number): number;
  integer(name: string, fallback?: number): number {
    const text = this.optional(name);
    if (text === undefined) return this.fallback(name, fallback);
    if (!/^\s*[-+]?\d+\s*$/.test(text)) throw new ParameterError(name, `expected a whole number, got '${text}'`);
    return Number.parseInt(text, 10);
  }

  number(name: string): number;
  number(name: string, fallback: number): number;
  number(name: string, fallback?: number): number {
    const text = this.optional(name);
    if (text === undefined) return this.fallback(name, fallback);
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new ParameterError(name, `expected a number, got '${text}'`);
    return value;
  }

  boolean(name: string): boolean;
  boolean(name: string, fallback: boolean): boolean;
  boolean(name: string, fallback?: boolean): boolean {
    const text = this.optional(name);
    if (text === undefined) return this.fallback(name, fallback);
    const lower = text.trim().toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    throw new ParameterError(name, `expected true or false, got '${text}'`);
  }

  /** A duration in milliseconds; a bare number is in `defaultUnit`. */
  durationMs(name: string, fallback?: number, defaultUnit: 's' | 'ms' = 's'): number {
    const text = this.optional(name);
    if (text === undefined) return this.fallback(name, fallback);
    const ms = parseDurationMs(text, defaultUnit);
    if (ms === undefined) throw new ParameterError(name, `expected a duration such as 10s or 500ms, got '${text}'`);
    return ms;
  }

  /** A comma-separated list, items trimmed, empty items dropped. */
  list(name: string): string[] {
    const text = this.optional(name);
    if (text === undefined) return [];
    return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  }

  /** Values that must never appear in outputs, readings or logs. */
  secrets(): string[] {
    return this.secretNames.map((name) => this.values.get(name)).filter((value): value is string => !!value);
  }

  private fallback<T>(name: string, fallback: T | undefined): T {
    if (fallback === undefined) throw new ParameterError(name, 'is required but not set');
    return fallback;
  }
}
