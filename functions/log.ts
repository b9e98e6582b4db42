import { Redactor } from '../lib/kube/credentials/redact.js';

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A structured logger: one JSON object per line, credentials masked. Services see only `info` and `warn`. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line (the request id, the function's name). */
  child(fields: Record<string, unknown>): Logger;
  /**
   * Fields every line of this logger and its children carries until they are replaced or cleared (undefined): the
   * invocation's, as Powertools' Logger has them (cold_start, function_name, function_request_id, xray_trace_id, ...).
   */
  setInvocationFields(fields?: Record<string, unknown>): void;
}

/** Where the logger writes, what it masks, what it drops and what time it stamps. */
export interface LoggerOptions {
  level?: LogLevel;
  redactor?: Redactor;
  write?: (line: string) => void;
  clock?: () => Date;
}

/** A JSON-lines logger (CloudWatch reads one object per line); `FERRY_LOG_LEVEL` picks the level at the composition. */
export function createLogger(options: LoggerOptions = {}, base: Record<string, unknown> = {}, scope: { fields: Record<string, unknown> } = { fields: {} }): Logger {
  const level = ORDER[options.level ?? 'info'];
  const redactor = options.redactor ?? new Redactor();
  const write = options.write ?? ((line: string) => { process.stdout.write(`${line}\n`); });
  const clock = options.clock ?? (() => new Date());
  const emit = (lvl: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < level) return;
    const { level: _l, time: _t, msg: _m, ...record } = redactor.value({ ...scope.fields, ...base, ...fields }) as Record<string, unknown>;
    // Level, time and message come first and cannot be overwritten by fields.
    write(JSON.stringify({ level: lvl, time: clock().toISOString(), msg: redactor.text(message), ...record }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }, scope),
    setInvocationFields: (fields) => { scope.fields = fields ?? {}; },
  };
}

/** Reads a level name, falling back to `info` for anything else. */
export function parseLogLevel(text: string | undefined): LogLevel {
  const t = (text ?? '').toLowerCase();
  return t === 'debug' || t === 'info' || t === 'warn' || t === 'error' ? t : 'info';
}
