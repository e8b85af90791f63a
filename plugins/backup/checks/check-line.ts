import type { Pool } from 'pg';
import type { HostConfig } from '../../../src/config/config';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { BackupSettings } from '../settings/backup-settings';
import { EXIT_CODES } from '../../../src/contract/exit-codes';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of `cotton-backup check`: what was looked at, what was found, and the fix when not ok. */
export interface CheckLine {
  check: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

/**
 * What the checks read, each opened on first use: the CLI passes its runtime's, the route the
 * host's. A getter that throws (a configuration that does not parse, a storage that does not open)
 * is the finding of the check that owns it; the checks that need it report "not checked".
 */
export interface CheckEnvironment {
  config(): HostConfig;
  settings(): BackupSettings;
  pool(): Pool;
  /** The primary storage opened for reading (no write probe: the storage check probes it itself). */
  storage(): Promise<ObjectStorage>;
  masterEncryptionKey(): Promise<Buffer>;
  now(): Date;
}

/** What each check needs to have passed first: a failed need turns the check into "not checked". */
export type CheckNeed = 'configuration' | 'database' | 'storage';

export interface Check {
  /** The line's name; also what a need names. */
  name: string;
  needs: readonly CheckNeed[];
  /** One or more lines (a copy target check answers one per target). */
  run(env: CheckEnvironment): Promise<CheckLine[]>;
}

export const ok = (check: string, detail: string): CheckLine => ({ check, status: 'ok', detail });
export const warn = (check: string, detail: string, fix: string): CheckLine => ({ check, status: 'warn', detail, fix });
export const fail = (check: string, detail: string, fix: string): CheckLine => ({ check, status: 'fail', detail, fix });

/** `cotton-backup check`'s exit codes: distinct from 1 (the command itself failed) and the other commands' 2–5. */
export const CHECK_EXIT_CODES: Record<CheckStatus, number> = { ok: EXIT_CODES.OK.exitCode, warn: EXIT_CODES.CHECK_WARNED.exitCode, fail: EXIT_CODES.CHECK_FAILED.exitCode };

const RANK: Record<CheckStatus, number> = { ok: 0, warn: 1, fail: 2 };

export function worstStatus(lines: readonly CheckLine[]): CheckStatus {
  return lines.reduce<CheckStatus>((worst, l) => (RANK[l.status] > RANK[worst] ? l.status : worst), 'ok');
}

/** A duration for a line, e.g. "3 h 12 min", "2 d 4 h". */
export function age(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
