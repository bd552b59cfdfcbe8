/**
 * One pino root logger per process. Secrets are redacted at the root, so child
 * loggers (per request, per job) inherit the rule and no call site can forget it.
 *
 * Lines are JSON, except on a terminal (LOG_FORMAT=auto, the default) or with
 * LOG_FORMAT=pretty, where pino-pretty renders them for people. pino-pretty runs as
 * a synchronous stream in the process rather than as a worker-thread transport, so
 * the last lines before an exit (a failed start) are never lost.
 */
import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'privateKey',
  '*.privateKey',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
];

/** `json`, `pretty`, or `auto`: pretty when stdout is a terminal. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Whether lines are rendered for people: `pretty`, or `auto` on a terminal. */
export function isPretty(format: LogFormat = 'auto', stdout: { isTTY?: boolean } = process.stdout): boolean {
  return format === 'pretty' || (format === 'auto' && stdout.isTTY === true);
}

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** LOG_FORMAT; `auto` by default. */
  format?: LogFormat;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
}

/** Creates the process's root logger with vcq's redaction rules. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const opts: pino.LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: options.name ?? 'vcq' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (isPretty(options.format)) {
    // The redaction above runs before the prettifier sees a line.
    const pretty = PinoPretty({
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
      messageFormat: '[{service}] {msg}',
      ...(options.destination ? { destination: options.destination as unknown as NodeJS.WritableStream, colorize: false } : {}),
    });
    return pino(opts, pretty);
  }
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
