import { errnoInWords } from '../../../src/storage/backend/errors';
import { BackupPluginError } from '../core/errors';

/**
 * The restore's verified dump file (under COTTON_DATA_PATH) could not take the plaintext: a fault
 * of the machine restoring, not of the backup, so it is never reported as a damaged chunk.
 */
export class DumpFileWriteError extends BackupPluginError {
  constructor(
    readonly path: string,
    /** The system's error code (ENOSPC, EACCES, …), or 'unknown'. */
    readonly errno: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super('DUMP_FILE_WRITE_FAILED', `cannot write the verified dump file ${path}: ${errnoInWords(errno)} (${detail})`, options);
  }

  static from(error: unknown, path: string): DumpFileWriteError {
    const e = error as NodeJS.ErrnoException;
    return new DumpFileWriteError(path, typeof e?.code === 'string' ? e.code : 'unknown', e?.message ?? String(error), { cause: error });
  }
}
