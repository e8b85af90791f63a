import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FastCdcChunker, type ChunkingParameters } from './fastcdc';

const small: ChunkingParameters = { minBytes: 4 * 1024, avgBytes: 16 * 1024, maxBytes: 64 * 1024 };

function chunkAll(data: Buffer, feed: number, params = small): Buffer[] {
  const chunker = new FastCdcChunker(params);
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += feed) out.push(...chunker.push(data.subarray(i, i + feed)));
  out.push(...chunker.flush());
  return out;
}

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('FastCdcChunker', () => {
  const data = randomBytes(2 * 1024 * 1024);

  it('reassembles to the input and respects min/max (the last chunk may be short)', () => {
    const chunks = chunkAll(data, 65536);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    chunks.slice(0, -1).forEach((c) => {
      expect(c.length).toBeGreaterThanOrEqual(small.minBytes);
      expect(c.length).toBeLessThanOrEqual(small.maxBytes);
    });
    const mean = data.length / chunks.length;
    expect(mean).toBeGreaterThan(small.avgBytes / 2);
    expect(mean).toBeLessThan(small.avgBytes * 2);
  });

  it('cuts at the same places however the input is split', () => {
    const reference = chunkAll(data, data.length).map(digest);
    for (const feed of [1000, 4096, 65537, 1 << 20]) expect(chunkAll(data, feed).map(digest)).toEqual(reference);
  });

  it('keeps most chunks when bytes are inserted in the middle', () => {
    const edited = Buffer.concat([data.subarray(0, 1_000_000), randomBytes(100), data.subarray(1_000_000)]);
    const before = new Set(chunkAll(data, 65536).map(digest));
    const after = chunkAll(edited, 65536).map(digest);
    const changed = after.filter((d) => !before.has(d)).length;
    expect(changed).toBeLessThanOrEqual(3);
  });

  it('cuts input without any boundary at max', () => {
    const zeros = Buffer.alloc(300 * 1024);
    const chunks = chunkAll(zeros, 10_000);
    expect(chunks.slice(0, -1).every((c) => c.length === small.maxBytes)).toBe(true);
    expect(Buffer.concat(chunks).equals(zeros)).toBe(true);
  });

  it('yields nothing for empty input and refuses inconsistent parameters', () => {
    expect(chunkAll(Buffer.alloc(0), 10)).toEqual([]);
    expect(() => new FastCdcChunker({ minBytes: 10, avgBytes: 5, maxBytes: 20 })).toThrow(/min < avg < max/);
  });
});
