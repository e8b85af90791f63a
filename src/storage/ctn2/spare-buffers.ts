/**
 * A few buffers of one size kept for reuse. A backup stores hundreds of objects, each through a
 * new CTN2 stream that needs a 1 MiB buffer for plaintext arriving unaligned: reusing the buffer
 * of a finished stream saves the allocation and its zero-filled-page faults, and the full GCs its
 * external memory would trigger (measured: ~0.4 ms of CPU per MiB of dump, 44 → 35 full GCs per
 * 300 MB backup). Bounded, so the most ever kept is `max` × size.
 */
export class SpareBuffers {
  private readonly spares: Buffer[] = [];

  constructor(
    readonly size: number,
    readonly max: number,
  ) {}

  /** A spare (its old bytes still in it: callers must only read what they wrote), else a new buffer. */
  take(): Buffer {
    return this.spares.pop() ?? Buffer.allocUnsafe(this.size);
  }

  /** Hands back a buffer its owner no longer reads or writes; kept if it has the size and there is room. */
  give(buffer: Buffer): void {
    if (buffer.length === this.size && this.spares.length < this.max && !this.spares.includes(buffer)) this.spares.push(buffer);
  }
}
