import type { CodedFailure } from '../../../src/contract/coded-failure';

/**
 * The backup plugin's error family: each code with the CLI exit code and the HTTP status it
 * answers with (src/cli/program.ts and src/http/server.ts read them). Codes are stable for
 * programs; messages name what was wrong for operators. Not in it: ArchiveOffsetsError (its `code`
 * is the kind of damage in a dump file, caught inside the restore) and the test-only FailpointError.
 */
// HTTP: 4xx when the request asked for what cannot be (busy, not there); 5xx for faults of the
// server, its database or its storage (a stored manifest or event that does not parse included).
const CODES = {
  BACKUP_ALREADY_RUNNING: { exitCode: 3, httpStatus: 409 },
  BACKUP_LOCK_LOST: { exitCode: 1, httpStatus: 503 },
  BACKUP_CANCELLED: { exitCode: 1, httpStatus: 503 },
  NO_BACKUP_YET: { exitCode: 4, httpStatus: 404 },
  STORAGE_MISMATCH: { exitCode: 1, httpStatus: 503 },
  RESTORE_ABORTED: { exitCode: 1, httpStatus: 422 },
  RESTORE_REJECTED: { exitCode: 1, httpStatus: 422 },
  RESTORE_TARGET_NOT_EMPTY: { exitCode: 2, httpStatus: 409 },
  RESTORE_IN_PROGRESS: { exitCode: 3, httpStatus: 409 },
  RESTORE_LOCK_LOST: { exitCode: 1, httpStatus: 503 },
  VERIFICATION_FAILED: { exitCode: 5, httpStatus: 422 },
  STARTUP_RESTORE_FAILED: { exitCode: 1, httpStatus: 503 },
  PG_TOOL_FAILED: { exitCode: 1, httpStatus: 503 },
  EVENT_CONCURRENCY: { exitCode: 1, httpStatus: 409 },
  INVALID_EVENT: { exitCode: 1, httpStatus: 500 },
  INVALID_MANIFEST: { exitCode: 1, httpStatus: 500 },
  INVALID_POINTER: { exitCode: 1, httpStatus: 500 },
  REUSED_CHUNK_COLLECTED: { exitCode: 1, httpStatus: 503 },
  DRILL_ALREADY_RUNNING: { exitCode: 3, httpStatus: 409 },
  COPY_TARGET_BUSY: { exitCode: 3, httpStatus: 409 },
  // The target does not prove it holds this database's copies, or is behind what was copied there:
  // the request cannot be done against the target as it is; nothing was deleted.
  COPY_PRUNE_REFUSED: { exitCode: 1, httpStatus: 409 },
  // The configured primary storage cannot hand out container bytes: copies cannot run on it.
  COPY_NO_RAW_ACCESS: { exitCode: 1, httpStatus: 503 },
  // A fault of the restoring machine's disk (full, no permission), not of the backup.
  DUMP_FILE_WRITE_FAILED: { exitCode: 1, httpStatus: 503 },
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

/** The CLI exit code of a code, for a command that wraps the error in a message of its own. */
export function exitCodeOf(code: BackupErrorCode): number {
  return CODES[code].exitCode;
}
