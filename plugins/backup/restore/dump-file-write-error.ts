import { errnoInWords } from '../../../src/storage/backend/errors';

/**
 * The restore's verified dump file (under COTTON_DATA_PATH) could not take the plaintext: a fault
 * of the machine restoring, not of the backup, so it is never reported as a damaged chunk.
 */
export class DumpFileWriteError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`cannot write the verified dump file ${path}: ${errnoInWords(code)} (${detail})`, options);
    this.name = 'DumpFileWriteError';
  }

  static from(error: unknown, path: string): DumpFileWriteError {
    const e = error as NodeJS.ErrnoException;
    return new DumpFileWriteError(path, typeof e?.code === 'string' ? e.code : 'unknown', e?.message ?? String(error), { cause: error });
  }
}
