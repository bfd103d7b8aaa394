/**
 * Durations as configuration writes them: `150s`, `5m`, `1h`, `2d`, `500ms`, or a bare number in
 * a default unit (Bergamot's `every="5"` means five minutes).
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

/**
 * Parses a duration into milliseconds, or returns undefined when the text is not a duration.
 * @example parseDurationMs('150s') // 150000
 * @example parseDurationMs('5', 'm') // 300000
 */
export function parseDurationMs(text: string, defaultUnit: DurationUnit = 's'): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] || defaultUnit).toLowerCase();
  const factor = UNIT_MS[unit];
  if (factor === undefined) return undefined;
  const ms = Number(match[1]) * factor;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** Human form for messages: 90000 -> "1m30s". */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
