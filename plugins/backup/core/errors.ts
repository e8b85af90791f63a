import type { CodedFailure } from '../../../src/contract/coded-failure';
import { EXIT_CODES } from '../../../src/contract/exit-codes';

const { FAILED, NOT_EMPTY_OR_TIMED_OUT: TARGET_NOT_EMPTY, BUSY, NOT_FOUND, VERIFICATION_FAILED } = EXIT_CODES;

/**
 * The backup plugin's error family: each code with the CLI exit code (from the one table,
 * src/contract/exit-codes.ts) and the HTTP status it
 * answers with (src/cli/program.ts and src/http/server.ts read them). Codes are stable for
 * programs; messages name what was wrong for operators. Not in it: ArchiveOffsetsError (its `code`
 * is the kind of damage in a dump file, caught inside the restore) and the test-only FailpointError.
 */
// HTTP: 4xx when the request asked for what cannot be (busy, not there); 5xx for faults of the
// server, its database or its storage (a stored manifest or event that does not parse included).
const CODES = {
  BACKUP_ALREADY_RUNNING: { exitCode: BUSY.exitCode, httpStatus: 409 },
  BACKUP_LOCK_LOST: { exitCode: FAILED.exitCode, httpStatus: 503 },
  BACKUP_CANCELLED: { exitCode: FAILED.exitCode, httpStatus: 503 },
  NO_BACKUP_YET: { exitCode: NOT_FOUND.exitCode, httpStatus: 404 },
  // --backup names an id that neither the pointer nor the backup index knows: the same code for every command.
  UNKNOWN_BACKUP: { exitCode: NOT_FOUND.exitCode, httpStatus: 404 },
  // A short id (restic's way) that starts more than one backup's id: the candidates are named.
  AMBIGUOUS_BACKUP_ID: { exitCode: FAILED.exitCode, httpStatus: 400 },
  // `forget <id>` of the backup the pointer names, of one being read, or of one that stored nothing: nothing changed.
  FORGET_REFUSED: { exitCode: FAILED.exitCode, httpStatus: 409 },
  STORAGE_MISMATCH: { exitCode: FAILED.exitCode, httpStatus: 503 },
  RESTORE_ABORTED: { exitCode: FAILED.exitCode, httpStatus: 422 },
  RESTORE_REJECTED: { exitCode: FAILED.exitCode, httpStatus: 422 },
  RESTORE_TARGET_NOT_EMPTY: { exitCode: TARGET_NOT_EMPTY.exitCode, httpStatus: 409 },
  RESTORE_IN_PROGRESS: { exitCode: BUSY.exitCode, httpStatus: 409 },
  RESTORE_LOCK_LOST: { exitCode: FAILED.exitCode, httpStatus: 503 },
  VERIFICATION_FAILED: { exitCode: VERIFICATION_FAILED.exitCode, httpStatus: 422 },
  STARTUP_RESTORE_FAILED: { exitCode: FAILED.exitCode, httpStatus: 503 },
  PG_TOOL_FAILED: { exitCode: FAILED.exitCode, httpStatus: 503 },
  EVENT_CONCURRENCY: { exitCode: FAILED.exitCode, httpStatus: 409 },
  INVALID_EVENT: { exitCode: FAILED.exitCode, httpStatus: 500 },
  INVALID_MANIFEST: { exitCode: FAILED.exitCode, httpStatus: 500 },
  INVALID_POINTER: { exitCode: FAILED.exitCode, httpStatus: 500 },
  REUSED_CHUNK_COLLECTED: { exitCode: FAILED.exitCode, httpStatus: 503 },
  DRILL_ALREADY_RUNNING: { exitCode: BUSY.exitCode, httpStatus: 409 },
  COPY_TARGET_BUSY: { exitCode: BUSY.exitCode, httpStatus: 409 },
  // The target does not prove it holds this database's copies, or is behind what was copied there:
  // the request cannot be done against the target as it is; nothing was deleted.
  COPY_PRUNE_REFUSED: { exitCode: FAILED.exitCode, httpStatus: 409 },
  // The configured primary storage cannot hand out container bytes: copies cannot run on it.
  COPY_NO_RAW_ACCESS: { exitCode: FAILED.exitCode, httpStatus: 503 },
  // A fault of the restoring machine's disk (full, no permission), not of the backup.
  DUMP_FILE_WRITE_FAILED: { exitCode: FAILED.exitCode, httpStatus: 503 },
} as const;

export type BackupErrorCode = keyof typeof CODES;

export class BackupPluginError extends Error implements CodedFailure {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  get exitCode(): number {
    return CODES[this.code].exitCode;
  }

  get httpStatus(): number {
    return CODES[this.code].httpStatus;
  }
}

/** `--backup <id>` names a backup neither the pointer nor the backup index knows (exit 4 in every command). */
export class UnknownBackupError extends BackupPluginError {
  constructor(message: string) {
    super('UNKNOWN_BACKUP', message);
  }
}

/** A backup id prefix that more than one known backup starts with (the message names them). */
export class AmbiguousBackupIdError extends BackupPluginError {
  constructor(message: string) {
    super('AMBIGUOUS_BACKUP_ID', message);
  }
}

/** `forget <id>` refused before anything changed (the message says why and what to do). */
export class ForgetRefusedError extends BackupPluginError {
  constructor(message: string) {
    super('FORGET_REFUSED', message);
  }
}

/** The CLI exit code of a code, for a command that wraps the error in a message of its own. */
export function exitCodeOf(code: BackupErrorCode): number {
  return CODES[code].exitCode;
}
