/**
 * A Logger for people at a terminal (`npm start`): one short line per entry, time first,
 * fields as key=value. Lambda and tests use the JSON and memory loggers instead.
 */
import type { LogFields, Logger, LogLevel } from '#ports/logger.ts';

const MARK: Record<LogLevel, string> = { debug: ' ', info: ' ', warn: '!', error: 'x' };

export function consoleLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`), verbose = false): Logger {
  const emit = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (level === 'debug' && !verbose) return;
    const time = new Date().toISOString().slice(11, 19);
    const details = Object.entries(fields)
      .filter(([, value]) => value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0))
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
      .join(' ');
    write(`${time} ${MARK[level]} ${message}${details ? `  ${details}` : ''}`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
