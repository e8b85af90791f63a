import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger';
import { HttpServer } from '../../../src/http/server';
import { BackupCancelledError } from '../take-backup/backup-cancelled-error';
import { BackupAlreadyRunningError, BackupLockLostError } from '../take-backup/backup-lock';
import { RestoreInProgressError, RestoreLockLostError } from '../restore/restore-lock';
import { RestoreAbortedError, TargetNotEmptyError } from '../restore/restore-errors';
import { RestoreRejectedError } from '../repository/restore-rejection';
import { BackupPluginError } from './errors';
import { ConcurrencyError } from '../events/errors';
import { InvalidEventError } from '../events/vocabulary';
import { InvalidManifestError } from '../repository/manifest';
import { InvalidPointerError } from '../repository/pointer';
import { PgToolError } from '../dump/pg-tools';
import { PgDumpTooOldError } from '../dump/pg-dump';
import { StartupRestoreError } from '../restore/restore-errors';
import { PruneRefusedError, TargetBusyError } from '../copies/prune-target';
import { NoRawAccessError } from '../copies/copy-backup';
import { DrillAlreadyRunningError } from '../drills/run-drill';
import { DumpFileWriteError } from '../restore/dump-file-write-error';

describe("the backup plugin's error family", () => {
  it('gives every error a stable code, the exit code and the HTTP status', () => {
    const cases: Array<[BackupPluginError, string, number, number]> = [
      [new BackupAlreadyRunningError('cotton'), 'BACKUP_ALREADY_RUNNING', 3, 409],
      [new BackupLockLostError(new Error('terminated')), 'BACKUP_LOCK_LOST', 1, 503],
      [new BackupCancelledError('stop'), 'BACKUP_CANCELLED', 1, 503],
      [new RestoreInProgressError('cotton'), 'RESTORE_IN_PROGRESS', 3, 409],
      [new RestoreLockLostError(new Error('terminated')), 'RESTORE_LOCK_LOST', 1, 503],
      [new TargetNotEmptyError('cotton'), 'RESTORE_TARGET_NOT_EMPTY', 2, 409],
      [new RestoreRejectedError('missing_chunk', 'gone'), 'RESTORE_REJECTED', 1, 422],
      [new RestoreAbortedError(new Error('x'), [], 'r1'), 'RESTORE_ABORTED', 1, 422],
      [new StartupRestoreError('no backup'), 'STARTUP_RESTORE_FAILED', 1, 503],
      [new PgToolError('pg_dump', 'pg_dump exited with 1', 1), 'PG_TOOL_FAILED', 1, 503],
      [new PgDumpTooOldError('14.1', '15.8'), 'PG_TOOL_FAILED', 1, 503],
      [new ConcurrencyError('s', 0n, 1n), 'EVENT_CONCURRENCY', 1, 409],
      [new InvalidEventError('Dumped', [{ path: 'bytes', message: 'Too small' }]), 'INVALID_EVENT', 1, 500],
      [new InvalidManifestError('not valid JSON'), 'INVALID_MANIFEST', 1, 500],
      [new InvalidPointerError('not valid JSON'), 'INVALID_POINTER', 1, 500],
      // Busy: exit 3 and 409, as a backup or restore already running.
      [new DrillAlreadyRunningError('cotton'), 'DRILL_ALREADY_RUNNING', 3, 409],
      [new TargetBusyError('offsite'), 'COPY_TARGET_BUSY', 3, 409],
      [new PruneRefusedError('offsite', 'no latest-backup pointer'), 'COPY_PRUNE_REFUSED', 1, 409],
      [new NoRawAccessError(), 'COPY_NO_RAW_ACCESS', 1, 503],
      [DumpFileWriteError.from(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }), '/data/r1.dump'), 'DUMP_FILE_WRITE_FAILED', 1, 503],
    ];
    for (const [error, code, exitCode, httpStatus] of cases) {
      expect(error).toBeInstanceOf(BackupPluginError);
      expect({ code: error.code, exitCode: error.exitCode, httpStatus: error.httpStatus, name: error.name }).toEqual({
        code,
        exitCode,
        httpStatus,
        name: error.constructor.name,
      });
    }
  });

  it('is answered by the HTTP server with its status and code', async () => {
    const server = new HttpServer({ logger: createLogger({ level: 'silent' }), version: '0', clock: { now: () => new Date() } });
    server.routes.public({ method: 'GET', url: '/busy', handler: async () => { throw new RestoreInProgressError('cotton'); } });
    server.routes.public({ method: 'GET', url: '/broken', handler: async () => { throw new InvalidManifestError('detail of the stored bytes'); } });
    server.routes.public({ method: 'GET', url: '/drill', handler: async () => { throw new DrillAlreadyRunningError('cotton'); } });
    server.routes.public({ method: 'GET', url: '/target', handler: async () => { throw new TargetBusyError('offsite'); } });
    server.routes.public({ method: 'GET', url: '/refused', handler: async () => { throw new PruneRefusedError('offsite', 'it is behind'); } });
    server.routes.public({ method: 'GET', url: '/disk', handler: async () => { throw DumpFileWriteError.from(Object.assign(new Error('x'), { code: 'ENOSPC' }), '/data/r1.dump'); } });
    try {
      const res = await server.app.inject({ method: 'GET', url: '/busy' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('restore_in_progress');
      // A fault of the server's own data: 5xx with its code, and no detail in the answer.
      const broken = await server.app.inject({ method: 'GET', url: '/broken' });
      expect(broken.statusCode).toBe(500);
      expect(broken.json().error.code).toBe('invalid_manifest');
      expect(broken.body).not.toContain('detail of the stored bytes');
      // Before they joined the family these answered 500 internal_error.
      const answers = await Promise.all(['/drill', '/target', '/refused', '/disk'].map(async (url) => {
        const r = await server.app.inject({ method: 'GET', url });
        return [r.statusCode, r.json().error.code];
      }));
      expect(answers).toEqual([
        [409, 'drill_already_running'],
        [409, 'copy_target_busy'],
        [409, 'copy_prune_refused'],
        [503, 'dump_file_write_failed'],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('DumpFileWriteError', () => {
  it("keeps the system's error code beside the family's code and says it in words", () => {
    const error = DumpFileWriteError.from(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }), '/data/r1.dump');
    expect(error.errno).toBe('ENOSPC');
    expect(error.message).toMatch(/^cannot write the verified dump file \/data\/r1\.dump: .*\(no space left on device\)$/);
  });
});
