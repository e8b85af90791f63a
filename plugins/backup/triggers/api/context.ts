import type { Pool } from 'pg';
import type { onErrorHookHandler } from 'fastify';
import type { ObjectStorage } from '../../../../src/storage/object-storage';
import type { BackupCoordinator } from '../backup-coordinator';
import type { RejectionAudit } from '../rejection-audit';

export const API_PREFIX = '/api/v1/server/database-backup';

/** What the admin routes read and write. */
export interface ApiContext {
  pool: Pool;
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  coordinator: BackupCoordinator;
  audit: RejectionAudit;
}

const AUDITED_STATUSES = new Set([400, 413, 415]);

/** Route-level onError hook: a request rejected as invalid becomes a (rate-limited) RequestRejected. */
export function auditRejections(audit: RejectionAudit): onErrorHookHandler {
  return async (request, _reply, error) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (!AUDITED_STATUSES.has(status)) return;
    const body = request.body === undefined ? '' : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    const size = Number(request.headers['content-length'] ?? Buffer.byteLength(body));
    audit.reject('api', `${request.method} ${request.url.split('?')[0]}: ${error.message}`, body || request.url, Number.isFinite(size) ? size : 0);
  };
}
