/**
 * Reusable buffers for chunks the chunker assembles from several input pieces. A fresh buffer per
 * chunk costs little to copy into but much to collect: V8 counts every ArrayBuffer against its heap
 * limits, and on the small heap of a backup process that churn ran a full GC every few MiB of dump
 * (bench/backup-profile.ts: "V8Worker" CPU and major GCs). A buffer goes back to the pool only when
 * its chunk is released, i.e. when nothing reads the chunk any more; releasing twice, or releasing a
 * chunk that did not come from the pool, does nothing.
 */
export class ChunkBufferPool {
  readonly #free: ArrayBuffer[] = [];
  readonly #lent = new Set<ArrayBufferLike>();

  /**
   * @param bufferBytes size of each buffer; a larger chunk gets a buffer of its own (not pooled)
   * @param keep how many released buffers to keep for reuse
   */
  constructor(
    readonly bufferBytes: number,
    readonly keep = 8,
  ) {}

  /** A buffer of `bytes` bytes (uninitialized) lent from the pool, or undefined when too large for it. */
  take(bytes: number): Buffer | undefined {
    if (bytes > this.bufferBytes) return undefined;
    const memory = this.#free.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes).buffer;
    this.#lent.add(memory);
    return Buffer.from(memory, 0, bytes);
  }

  /** Gives the buffer behind `chunk` back for reuse; the caller must not read `chunk` afterwards. */
  release(chunk: Uint8Array): void {
    const memory = chunk.buffer;
    if (!this.#lent.delete(memory)) return;
    if (this.#free.length < this.keep) this.#free.push(memory as ArrayBuffer);
  }

  /** Buffers lent and not yet released. */
  get lent(): number {
    return this.#lent.size;
  }
}
