import { createLogger, type Logger } from '../../src/logging/logger';

export interface CapturedLogs {
  /** A logger writing into this capture (JSON lines, secrets in `secrets` redacted). */
  logger: Logger;
  /** Every line so far, parsed. */
  lines(): Array<Record<string, unknown> & { level: number; msg: string }>;
  /** The lines whose message matches. */
  matching(msg: RegExp): Array<Record<string, unknown> & { level: number; msg: string }>;
}

/** pino's levels, for assertions on `level`. */
export const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A logger whose lines a spec can read back (give it to a Host through HostOptions.logger). */
export function captureLogs(level: 'debug' | 'info' | 'warn' = 'info', secrets: string[] = []): CapturedLogs {
  const raw: string[] = [];
  const logger = createLogger({ level, secrets, destination: { write: (line: string) => void raw.push(line) } });
  const lines = () => raw.map((line) => JSON.parse(line) as Record<string, unknown> & { level: number; msg: string });
  return { logger, lines, matching: (msg) => lines().filter((l) => msg.test(l.msg)) };
}
