import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../../../../../src/storage/object-storage';
import type { BackupCoordinator } from '../../../requests/backup-coordinator';
import type { RejectionAudit } from '../../../requests/rejection-audit';
import type { CheckEnvironment } from '../../../checks/check-line';

export const API_PREFIX = '/api/v1/server/database-backup';

/** What the admin routes read and write. */
export interface ApiContext {
  pool: Pool;
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  coordinator: BackupCoordinator;
  audit: RejectionAudit;
  /** For what is not audited but worth a line (a refused /metrics scrape). */
  logger?: Logger;
  /** What `GET …/check` reads: the host's configuration, pool and storage. */
  checks: CheckEnvironment;
}
