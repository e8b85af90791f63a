import type { FileHandle } from 'node:fs/promises';

/** Bytes gathered before one writev: a chunk's pieces (256 KiB each from zstd) go out in one call. */
const BATCH_BYTES = 1024 * 1024;

/**
 * Appends pieces to a file in the order given, gathered into one writev per ~1 MiB, with one
 * write in flight while the caller works on the next pieces. A failed write surfaces at the next
 * add(), flush() or done(). Holds at most one batch being written and one being gathered.
 */
export class BatchedWriter {
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: FileHandle) {}

  async add(piece: Buffer): Promise<void> {
    this.batch.push(piece);
    this.batchBytes += piece.length;
    if (this.batchBytes >= BATCH_BYTES) await this.flush();
  }

  /** Starts writing what was gathered (after the write before it finished). */
  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const pieces = this.batch;
    const bytes = this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    await this.writing;
    this.writing = writeAll(this.file, pieces, bytes);
    this.writing.catch(() => undefined); // awaited by the next flush() or done()
  }

  /** Everything added is written; rethrows a write's error. */
  async done(): Promise<void> {
    await this.flush();
    await this.writing;
  }

  /** Waits for the write under way, ignoring its error (the caller is already failing). */
  settle(): Promise<void> {
    return this.writing.catch(() => undefined);
  }
}

/** writev, and the rest again after a short write (a regular file rarely writes short, but may). */
async function writeAll(file: FileHandle, pieces: Buffer[], bytes: number): Promise<void> {
  const { bytesWritten } = await file.writev(pieces);
  if (bytesWritten === bytes) return;
  let rest = Buffer.concat(pieces, bytes).subarray(bytesWritten);
  while (rest.length > 0) {
    const { bytesWritten: n } = await file.write(rest);
    if (n === 0) throw new Error('the verified dump file accepted no more bytes');
    rest = rest.subarray(n);
  }
}
