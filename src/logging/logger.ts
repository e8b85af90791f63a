import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import type { HostConfig, LogFormat } from '../config/config';
import { textLine } from './text-line';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

/** Field paths that hold secrets by name, whatever their value. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'masterKey',
  '*.masterKey',
  'adminToken',
  '*.adminToken',
  'masterEncryptionKey',
  '*.masterEncryptionKey',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'config.database.password',
  'config.http.adminToken',
  'env.COTTON_PG_PASSWORD',
  'env.COTTON_MASTER_KEY',
  'env.COTTON_ADMIN_TOKEN',
  'COTTON_PG_PASSWORD',
  'COTTON_MASTER_KEY',
  'COTTON_ADMIN_TOKEN',
];

/**
 * Literal secret values whose every occurrence in a serialized log line becomes [REDACTED], both
 * as written and JSON-escaped (a secret with a quote or backslash is escaped inside the line).
 * Secrets can be added after the logger exists: the master key may only be known once the
 * development key file has been read, and that read already logs a warning.
 * Strings shorter than 4 characters are ignored: replacing "a" everywhere would destroy the log.
 */
export class SecretRedactor {
  #needles: string[] = [];

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const s of secrets) this.add(s);
  }

  add(secret: string | undefined): void {
    if (secret === undefined || secret.length < 4) return;
    const forms = [secret, JSON.stringify(secret).slice(1, -1)];
    const set = new Set([...this.#needles, ...forms]);
    // Longest first, so a secret containing another is replaced whole.
    this.#needles = [...set].sort((a, b) => b.length - a.length);
  }

  scrub(line: string): string {
    let out = line;
    for (const needle of this.#needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out;
  }
}

/** The secrets a HostConfig carries (password, master key, admin token). */
export function configSecrets(config: HostConfig): Array<string | undefined> {
  return [config.database.password, config.masterKey, config.http.adminToken];
}

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Literal secret values to scrub from every line; a SecretRedactor to add more later. */
  secrets?: SecretRedactor | Iterable<string | undefined>;
  /** Where lines go; stderr by default, because stdout belongs to CLI output. */
  destination?: DestinationStream;
  name?: string;
  /** COTTON_LOG_FORMAT: `json` (default) or `text` (text-line.ts). */
  format?: LogFormat;
}

/** pino logger with two layers of redaction: known field paths, then any literal secret left in the line. */
export function createLogger(options: LoggerOptions): Logger {
  const redactor = options.secrets instanceof SecretRedactor ? options.secrets : new SecretRedactor(options.secrets ?? []);
  // Scrubbed while still JSON, where a secret's escaped form is known; the text line is made from that.
  const write = options.format === 'text' ? (line: string) => textLine(redactor.scrub(line)) : (line: string) => redactor.scrub(line);
  return pino(
    {
      name: options.name ?? 'cotton-backup',
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: { streamWrite: write },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
