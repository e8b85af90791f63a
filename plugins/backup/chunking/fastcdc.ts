import { Transform, type TransformCallback } from 'node:stream';
import type { ChunkBufferPool } from './chunk-buffer-pool';
import { GEAR } from './gear-table';

export interface ChunkingParameters {
  minBytes: number;
  avgBytes: number;
  maxBytes: number;
}

export const CHUNKING_ALGORITHM = 'fastcdc-gear32-v1';

// Chosen from the chunk-size sweep in BENCHMARKS.md: the smallest average whose first backup costs
// no more than 1 MiB chunks did, and whose clustered day of changes stays under 15 % new data.
export const DEFAULT_CHUNKING: ChunkingParameters = { minBytes: 64 * 1024, avgBytes: 256 * 1024, maxBytes: 1024 * 1024 };

/** A mask of the `bits` highest bits: with a left-shifting gear hash those depend on the last 32 bytes. */
function highBitsMask(bits: number): number {
  return bits >= 32 ? 0xffffffff : (~((1 << (32 - bits)) - 1)) >>> 0;
}

/**
 * FastCDC-style content-defined chunking with a 32-bit gear hash and normalized chunking
 * (a stricter mask before the average size, a looser one after), so that an insert in the
 * dump moves only the boundaries near it. Deterministic: a boundary depends only on the bytes
 * since the previous boundary.
 */
export class FastCdcChunker {
  private readonly maskStrict: number;
  private readonly maskLoose: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private hash = 0;

  /** `pool`: where chunks made of several input pieces are assembled (else a fresh buffer each). */
  constructor(
    private readonly params: ChunkingParameters = DEFAULT_CHUNKING,
    private readonly pool?: ChunkBufferPool,
  ) {
    const { minBytes, avgBytes, maxBytes } = params;
    if (!(minBytes > 0 && minBytes < avgBytes && avgBytes < maxBytes)) {
      throw new RangeError(`chunking parameters must satisfy 0 < min < avg < max (got ${minBytes}/${avgBytes}/${maxBytes})`);
    }
    const bits = Math.round(Math.log2(avgBytes));
    this.maskStrict = highBitsMask(bits + 2);
    this.maskLoose = highBitsMask(bits - 2);
  }

  /** Feeds bytes; returns the chunks completed by them (each a Buffer, in order). */
  push(data: Buffer): Buffer[] {
    const chunks: Buffer[] = [];
    const { minBytes, avgBytes, maxBytes } = this.params;
    let start = 0;
    while (start < data.length) {
      const cut = this.findCut(data, start, minBytes, avgBytes, maxBytes);
      if (cut < 0) {
        this.pending.push(start === 0 ? data : data.subarray(start));
        this.pendingBytes += data.length - start;
        break;
      }
      this.pending.push(data.subarray(start, cut));
      chunks.push(this.join(this.pendingBytes + cut - start));
      this.pending = [];
      this.pendingBytes = 0;
      this.hash = 0;
      start = cut;
    }
    return chunks;
  }

  /** The last, possibly short, chunk; none for empty input. */
  flush(): Buffer[] {
    if (this.pendingBytes === 0) return [];
    const last = this.join(this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.hash = 0;
    return [last];
  }

  // The pending pieces as one chunk: the piece itself when there is one, else a copy.
  private join(bytes: number): Buffer {
    if (this.pending.length === 1) return this.pending[0]!;
    const target = this.pool?.take(bytes);
    if (!target) return Buffer.concat(this.pending, bytes);
    let offset = 0;
    for (const piece of this.pending) offset += piece.copy(target, offset);
    return target;
  }

  // Returns the exclusive end offset in `data` of the chunk in progress, or -1 if it continues.
  private findCut(data: Buffer, start: number, min: number, avg: number, max: number): number {
    const base = this.pendingBytes - start; // chunk position of data[i] is base + i
    let i = start;
    if (base + i < min) i = Math.min(data.length, min - base); // FastCDC skips hashing below min
    let hash = this.hash;
    const strictEnd = Math.min(data.length, avg - base);
    const maskS = this.maskStrict;
    for (; i < strictEnd; i++) {
      hash = ((hash << 1) + GEAR[data[i]!]!) >>> 0;
      if ((hash & maskS) === 0) return i + 1;
    }
    const looseEnd = Math.min(data.length, max - base);
    const maskL = this.maskLoose;
    for (; i < looseEnd; i++) {
      hash = ((hash << 1) + GEAR[data[i]!]!) >>> 0;
      if ((hash & maskL) === 0) return i + 1;
    }
    if (base + i >= max) return i;
    this.hash = hash;
    return -1;
  }
}

/** The chunker as an object-mode Transform: Buffers in, chunk Buffers out. */
export function createChunkStream(params: ChunkingParameters = DEFAULT_CHUNKING, pool?: ChunkBufferPool): Transform {
  const chunker = new FastCdcChunker(params, pool);
  return new Transform({
    readableObjectMode: true,
    readableHighWaterMark: 4,
    transform(data: Buffer, _encoding, callback: TransformCallback) {
      for (const chunk of chunker.push(data)) this.push(chunk);
      callback();
    },
    flush(callback: TransformCallback) {
      for (const chunk of chunker.flush()) this.push(chunk);
      callback();
    },
  });
}
