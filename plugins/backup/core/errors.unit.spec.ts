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
    try {
      const res = await server.app.inject({ method: 'GET', url: '/busy' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('restore_in_progress');
      // A fault of the server's own data: 5xx with its code, and no detail in the answer.
      const broken = await server.app.inject({ method: 'GET', url: '/broken' });
      expect(broken.statusCode).toBe(500);
      expect(broken.json().error.code).toBe('invalid_manifest');
      expect(broken.body).not.toContain('detail of the stored bytes');
    } finally {
      await server.close();
    }
  });
});
