import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChunkBufferPool } from './chunk-buffer-pool';
import { FastCdcChunker, type ChunkingParameters } from './fastcdc';

const small: ChunkingParameters = { minBytes: 4 * 1024, avgBytes: 16 * 1024, maxBytes: 64 * 1024 };

function chunkAll(data: Buffer, chunker: FastCdcChunker, onChunk: (chunk: Buffer) => void = () => undefined): Buffer[] {
  const copies: Buffer[] = [];
  const take = (chunk: Buffer) => {
    copies.push(Buffer.from(chunk)); // what the chunk held when it was handed out
    onChunk(chunk);
  };
  for (let i = 0; i < data.length; i += 1000) chunker.push(data.subarray(i, i + 1000)).forEach(take);
  chunker.flush().forEach(take);
  return copies;
}

describe('ChunkBufferPool with the chunker', () => {
  const data = randomBytes(1024 * 1024);

  it('hands out the same chunks as fresh buffers, and reuses a buffer once its chunk is released', () => {
    const reference = chunkAll(data, new FastCdcChunker(small));
    const pool = new ChunkBufferPool(2 * small.avgBytes, 4);
    const memories = new Set<ArrayBufferLike>();
    const pooled = chunkAll(data, new FastCdcChunker(small, pool), (chunk) => {
      memories.add(chunk.buffer);
      pool.release(chunk);
    });
    expect(pooled).toEqual(reference);
    // Released at once, so every chunk that fitted was assembled in the same one buffer (the
    // larger ones, above twice the average, got a buffer of their own).
    const fitted = reference.filter((c) => c.length <= pool.bufferBytes).length;
    expect(fitted).toBeGreaterThan(10);
    expect(memories.size).toBeLessThanOrEqual(reference.length - fitted + 1);
    expect(pool.lent).toBe(0);
  });

  it('never lends a buffer whose chunk is still held, even after a chunk is released twice', () => {
    const pool = new ChunkBufferPool(2 * small.avgBytes, 4);
    const held: Buffer[] = [];
    let released: Buffer | undefined;
    chunkAll(data, new FastCdcChunker(small, pool), (chunk) => {
      if (!released) {
        released = chunk;
        pool.release(chunk);
        pool.release(chunk); // a double release must not put the buffer back twice
      } else {
        held.push(chunk);
      }
    });
    const snapshots = held.map((c) => Buffer.from(c));
    const pooledMemory = held.filter((c) => c.byteLength <= pool.bufferBytes).map((c) => c.buffer);
    expect(new Set(pooledMemory).size).toBe(pooledMemory.length); // no two held chunks share memory
    expect(held.map((c) => Buffer.from(c))).toEqual(snapshots);
    expect(pool.lent).toBe(pooledMemory.length);
  });

  it('ignores chunks that did not come from it', () => {
    const pool = new ChunkBufferPool(1024);
    pool.release(Buffer.alloc(10));
    expect(pool.lent).toBe(0);
    expect(pool.take(2048)).toBeUndefined();
  });
});
