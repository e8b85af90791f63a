import { BackupPluginError } from '../core/errors';
/** The backup was stopped on purpose (host stopping, operator); not a fault of the database or storage. */
export class BackupCancelledError extends BackupPluginError {
  constructor(reason: unknown) {
    super('BACKUP_CANCELLED', `backup cancelled: ${reason instanceof Error ? reason.message : String(reason ?? 'aborted')}`);
    this.name = 'BackupCancelledError';
  }
}
