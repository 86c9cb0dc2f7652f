// Structured JSON logs on stdout/stderr, with a redaction layer: values under secret-bearing
// keys (secret, authorization, x-api-secret, …) are replaced before anything is written.
import type { Config } from './config.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = Exclude<keyof typeof LEVELS, 'silent'>;

const SECRET_KEY = /secret|authorization|password|api[-_]?key|signature|ciphertext|cookie/i;
const SECRET_VALUE = /(whsec_|bms_)[A-Za-z0-9+/=_-]+|Basic\s+[A-Za-z0-9+/=]+/gi;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(SECRET_VALUE, '[REDACTED]');
  if (value === null || typeof value !== 'object') return value;
  // Deeper than any log field we write: drop it rather than risk an unredacted (or circular) value.
  if (depth > 8) return '[TRUNCATED]';
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[REDACTED]' : redact(v, depth + 1)]),
  );
}

export class Logger {
  constructor(
    private readonly level: keyof typeof LEVELS,
    private readonly write: (line: string, level: Level) => void = (line, level) =>
      (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n'),
  ) {}

  static fromConfig(config: Pick<Config, 'logLevel'>): Logger {
    return new Logger(config.logLevel);
  }

  debug(message: string, fields: Record<string, unknown> = {}) { this.log('debug', message, fields); }
  info(message: string, fields: Record<string, unknown> = {}) { this.log('info', message, fields); }
  warn(message: string, fields: Record<string, unknown> = {}) { this.log('warn', message, fields); }
  error(message: string, fields: Record<string, unknown> = {}) { this.log('error', message, fields); }

  private log(level: Level, message: string, fields: Record<string, unknown>) {
    if (LEVELS[level] < LEVELS[this.level]) return;
    const entry = { level, time: new Date().toISOString(), message, ...(redact(fields) as object) };
    this.write(JSON.stringify(entry), level);
  }
}
