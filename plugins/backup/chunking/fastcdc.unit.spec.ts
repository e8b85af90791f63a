import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNKING, FastCdcChunker, type ChunkingParameters } from './fastcdc';

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

  it('cuts exactly where it always has (boundaries are an on-disk contract: moving them loses deduplication)', () => {
    // 12 MiB of SHA-256 counter output; the expected figures were recorded with the chunker of c916129
    // (the first: the default until the chunk-size sweep, 256 KiB / 1 MiB / 4 MiB).
    const parts: Buffer[] = [];
    for (let i = 0; parts.length * 32 < 12 * 1024 * 1024; i++) parts.push(createHash('sha256').update(`cotton-backup boundary ${i}`).digest());
    const stream = Buffer.concat(parts);
    const boundaries = (params: ChunkingParameters) => {
      const lengths = chunkAll(stream, 65536, params).map((c) => c.length);
      return { count: lengths.length, first: lengths.slice(0, 4), digest: createHash('sha256').update(lengths.join(',')).digest('hex') };
    };
    expect(boundaries({ minBytes: 256 * 1024, avgBytes: 1024 * 1024, maxBytes: 4 * 1024 * 1024 })).toEqual({
      count: 11,
      first: [1132915, 1261265, 1113340, 1056055],
      digest: '43f94817a9a5067653205cb513858b8a201faecd70081b5dc70033b874211720',
    });
    // The default since the chunk-size sweep (64 KiB / 256 KiB / 1 MiB), recorded when it was adopted.
    expect(boundaries(DEFAULT_CHUNKING)).toEqual({
      count: 40,
      first: [364199, 350399, 317966, 315858],
      digest: 'da381e47863752fa7070f455a6a09b3b2484f8c8161d344490fb5222d3e7a589',
    });
    expect(boundaries(small)).toEqual({
      count: 672,
      first: [19664, 24495, 8444, 18093],
      digest: '8c6b4aec89ed2436cae28240f726be734bca7496ad3584a860c41095b6b18886',
    });
  });

  it('yields nothing for empty input and refuses inconsistent parameters', () => {
    expect(chunkAll(Buffer.alloc(0), 10)).toEqual([]);
    expect(() => new FastCdcChunker({ minBytes: 10, avgBytes: 5, maxBytes: 20 })).toThrow(/min < avg < max/);
  });
});
