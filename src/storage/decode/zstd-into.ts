import { ZstdDecompress, zstdDecompressSync } from 'node:zlib';

/** What ZstdDecompress keeps for its own sync path (node:zlib's processChunkSync), read feature-detected. */
interface Engine extends ZstdDecompress {
  _handle?: { writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void } | null;
  _writeState?: Uint32Array;
  _defaultFlushFlag?: number;
}

/**
 * zstd frames decompressed straight into a region of the caller's buffer, with one decompression
 * context reused from object to object. zstdDecompressSync allocates a context (its window
 * included) and an output buffer per call: for a restore's thousands of chunks that was ~1 MB of
 * garbage per chunk and a major collection every few MB of dump. This drives the context the way
 * node:zlib's own sync path does (`_handle.writeSync`, `_writeState`); where a Node release does
 * not have them it falls back to zstdDecompressSync and a copy, with the same results.
 *
 * A context is dropped after anything unusual (an error, too much output, a frame that ended short
 * of what was expected), so a damaged object never affects the next one. Callers check the length
 * and hash of what they get, so a frame cut short cannot pass for a good one either.
 */
export class ZstdInto {
  #engine: Engine | undefined;

  /** `reuseContext: false` takes the fallback path (zstdDecompressSync and a copy) always. */
  constructor(private readonly options: { reuseContext?: boolean } = {}) {}

  /**
   * Decompresses `frame` into `out` at `offset`, at most `expected + 1` bytes (the caller's region
   * must have room for them): returns the bytes produced, `expected + 1` meaning "more than
   * expected". Throws zstd's error for a corrupt frame.
   */
  decodeInto(frame: Uint8Array, out: Uint8Array, offset: number, expected: number): number {
    const engine = this.#engine ?? (this.#engine = newEngine());
    if (this.options.reuseContext === false || !hasSyncHandle(engine)) return this.#withoutContext(frame, out, offset, expected);
    const handle = engine._handle!;
    const state = engine._writeState!;
    let produced = 0;
    let inOff = 0;
    let inLen = frame.byteLength;
    for (;;) {
      const room = expected + 1 - produced;
      handle.writeSync(engine._defaultFlushFlag!, frame, inOff, inLen, out, offset + produced, room);
      if (engine.destroyed) {
        this.#engine = undefined;
        throw engine.errored ?? new Error('zstd decompression failed');
      }
      const [outAfter, inAfter] = [state[0]!, state[1]!];
      const progressed = outAfter < room || inAfter < inLen;
      produced += room - outAfter;
      inOff += inLen - inAfter;
      inLen = inAfter;
      if (produced > expected) return this.#drop(expected + 1);
      if (outAfter > 0 && inLen === 0) return produced === expected ? produced : this.#drop(produced);
      if (!progressed) return this.#drop(produced); // cannot happen with input left and room to write; never spin
    }
  }

  #drop(result: number): number {
    this.#engine?.destroy();
    this.#engine = undefined;
    return result;
  }

  #withoutContext(frame: Uint8Array, out: Uint8Array, offset: number, expected: number): number {
    let plaintext: Buffer;
    try {
      plaintext = zstdDecompressSync(frame, { maxOutputLength: expected + 1, chunkSize: Math.max(64 * 1024, expected + 1) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return expected + 1;
      throw error;
    }
    out.set(plaintext.subarray(0, expected + 1), offset);
    return Math.min(plaintext.length, expected + 1);
  }
}

function newEngine(): Engine {
  const engine = new ZstdDecompress() as Engine;
  engine.on('error', () => undefined); // seen through `destroyed`/`errored` right after the call
  return engine;
}

function hasSyncHandle(engine: Engine): boolean {
  return typeof engine._handle?.writeSync === 'function' && engine._writeState instanceof Uint32Array && typeof engine._defaultFlushFlag === 'number';
}
