/**
 * One JSON object per line: CloudWatch Logs Insights picks the fields out without
 * any parsing rules, and the local dev worker can show them as they are.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** Lowest level written; anything unknown means "info". Default: LETSGO_LOG_LEVEL. */
  level?: string;
  /** Where lines go. Default: warn and error to stderr, the rest to stdout. */
  write?: (line: string, level: LogLevel) => void;
}

export function parseLogLevel(value: string | undefined): LogLevel {
  const level = value?.trim().toLowerCase();
  return level !== undefined && level in RANK ? (level as LogLevel) : "info";
}

function writeToStdio(line: string, level: LogLevel): void {
  (RANK[level] >= RANK.warn ? process.stderr : process.stdout).write(line + "\n");
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = parseLogLevel(options.level ?? process.env.LETSGO_LOG_LEVEL);
  const write = options.write ?? writeToStdio;
  const emit = (at: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (RANK[at] < RANK[level]) return;
    const head = { level: at, msg };
    // Fields never overwrite level and msg, and those two stay first on the line.
    write(JSON.stringify(Object.assign({}, head, fields, head)), at);
  };
  return { level, debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}
