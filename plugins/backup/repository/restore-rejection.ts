import { Ctn2Error, LegacyCtn1FormatError } from '../../../src/storage/ctn2/errors';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { BackupPluginError } from '../core/errors';

export type RejectionReason =
  | 'no_pointer'
  | 'invalid_pointer'
  | 'missing_manifest'
  | 'invalid_manifest'
  | 'missing_chunk'
  | 'hash_mismatch'
  | 'size_mismatch'
  | 'decryption_failure'
  | 'legacy_format'
  | 'pointer_behind';

/** Why a backup was not trusted. Nothing reached pg_restore when this is thrown. */
export class RestoreRejectedError extends BackupPluginError {
  constructor(
    readonly reason: RejectionReason,
    readonly detail: string,
    readonly keys: { manifestKey?: string; chunkKey?: string } = {},
  ) {
    super('RESTORE_REJECTED', `restore refused (${reason}): ${detail}`);
    this.name = 'RestoreRejectedError';
  }
}

/**
 * Maps a storage read failure of object `key` to the rejection it means; or gives the error back
 * as it is when the storage says trying again may pass (a connection cut while an object's bytes
 * arrived, a 5xx): that says nothing about the backup, so the restore fails without refusing it
 * (no "unreadable" verdict in the audit trail, no walk back to an older backup).
 */
export function rejectionForReadError(
  storage: ObjectStorage,
  error: unknown,
  key: string,
  what: 'chunk' | 'manifest' | 'pointer',
  manifestKey?: string,
): unknown {
  const err = error as Error & { code?: string };
  const keys = what === 'chunk' ? { chunkKey: key, ...(manifestKey ? { manifestKey } : {}) } : what === 'manifest' ? { manifestKey: key } : {};
  if (err?.name === 'ObjectNotFoundError' || err?.code === 'ENOENT') {
    const reason = what === 'chunk' ? 'missing_chunk' : what === 'manifest' ? 'missing_manifest' : 'no_pointer';
    return new RestoreRejectedError(reason, `${what} object ${key} does not exist`, keys);
  }
  if (error instanceof LegacyCtn1FormatError) {
    return new RestoreRejectedError('legacy_format', `${what} object ${key}: ${err.message}`, keys);
  }
  if (error instanceof Ctn2Error) {
    return new RestoreRejectedError('decryption_failure', `${what} object ${key}: ${err.message}`, keys);
  }
  if (storage.backend && !storage.backend.isPermanent(error)) return error;
  return new RestoreRejectedError('decryption_failure', `${what} object ${key} is unreadable: ${err?.message ?? String(error)}`, keys);
}
