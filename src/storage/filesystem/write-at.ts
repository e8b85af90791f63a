import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** A write that wrote nothing: the file takes no more bytes. A regular file writes short only when its disk fills up. */
function noProgress(): NodeJS.ErrnoException {
  return Object.assign(new Error('the file accepted no more bytes'), { code: 'ENOSPC' });
}

/** Writes all of `bytes` at `position` (pwrite), the rest again after a short write. */
export async function writeAt(file: Pick<FileHandle, 'write'>, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten === 0) throw noProgress();
    done += bytesWritten;
  }
}

/** writeAt for a descriptor, synchronously (a worker thread that has nothing else to do meanwhile). */
export function writeAtSync(fd: number, bytes: Uint8Array, position: number, write = writeSync): void {
  for (let done = 0; done < bytes.length; ) {
    const written = write(fd, bytes, done, bytes.length - done, position + done);
    if (written === 0) throw noProgress();
    done += written;
  }
}
