/**
 * A fixed block of shared memory (SharedArrayBuffer) that the main thread reads objects into,
 * decode workers decode them within, and the main thread hashes the plaintext from, handed out in
 * first-in, first-out order: a region is reserved for each object read ahead and released, oldest
 * first, once its plaintext is hashed. No buffer is allocated per object, so a restore makes next
 * to no garbage however large the dump, and its memory is this block whatever the chunk sizes.
 */
export class SharedRing {
  readonly memory: SharedArrayBuffer;
  /** The whole ring as a Buffer (regions are views of it, valid until released). */
  readonly bytes: Buffer;
  /** Reserved regions, oldest first: [offset, length]. */
  readonly #regions: [number, number][] = [];
  #end = 0;

  constructor(readonly capacity: number) {
    this.memory = new SharedArrayBuffer(capacity);
    this.bytes = Buffer.from(this.memory);
  }

  /** The offset of `length` free contiguous bytes, reserved; undefined when they are not free now. */
  reserve(length: number): number | undefined {
    if (length > this.capacity) return undefined;
    if (this.#regions.length === 0) this.#end = 0;
    const start = this.#regions[0]?.[0] ?? 0;
    let offset: number | undefined;
    const wrapped = this.#regions.length > 0 && this.#end <= start;
    if (!wrapped) {
      if (this.#end + length <= this.capacity) offset = this.#end;
      else if (length <= start) offset = 0; // wrap: the bytes at the end stay unused this round
    } else if (this.#end + length <= start) {
      offset = this.#end;
    }
    if (offset === undefined) return undefined;
    this.#regions.push([offset, length]);
    this.#end = offset + length;
    return offset;
  }

  /** Releases the oldest region (regions are released in the order they were reserved). */
  releaseOldest(): void {
    this.#regions.shift();
  }
}
