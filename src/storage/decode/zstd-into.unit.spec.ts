import { randomBytes } from 'node:crypto';
import { zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ZstdInto } from './zstd-into';

const text = (n: number, seed = 0) => Buffer.from(Array.from({ length: n / 8 + 1 }, (_, i) => `r${(i * 31 + seed) % 997}\t`).join('')).subarray(0, n);

describe.each([true, false])('ZstdInto decompresses frames into a region of a buffer (context reused: %s)', (reuseContext) => {
  it('decodes frame after frame with one context, each exactly into its region', () => {
    const into = new ZstdInto({ reuseContext });
    const out = Buffer.alloc(3 << 20);
    const plains = [text(300_000, 1), randomBytes(200_000), text(1 << 20, 2), text(1, 3)];
    let offset = 0;
    for (const plain of plains) {
      expect(into.decodeInto(zstdCompressSync(plain), out, offset, plain.length)).toBe(plain.length);
      expect(out.subarray(offset, offset + plain.length).equals(plain)).toBe(true);
      offset += plain.length + 1;
    }
  });

  it('says "more than expected" for a frame that holds more, and writes no further than one byte past the region', () => {
    const into = new ZstdInto({ reuseContext });
    const plain = text(100_000);
    const out = Buffer.alloc(200_000, 0xee);
    expect(into.decodeInto(zstdCompressSync(plain), out, 0, 50_000)).toBe(50_001);
    expect(out.subarray(50_001).every((b) => b === 0xee)).toBe(true);
    const next = text(70_000, 9);
    expect(into.decodeInto(zstdCompressSync(next), out, 0, next.length)).toBe(next.length);
    expect(out.subarray(0, next.length).equals(next)).toBe(true);
  });

  it('throws for a corrupt frame, never takes a frame cut short for whole, and the next frame still decodes', () => {
    const into = new ZstdInto({ reuseContext });
    const plain = text(300_000, 4);
    const frame = zstdCompressSync(plain);
    const out = Buffer.alloc(400_000);
    const corrupt = Buffer.from(frame);
    corrupt.fill(0x55, 20, 60);
    expect(() => into.decodeInto(corrupt, out, 0, plain.length)).toThrow();
    // Cut short: zstdDecompressSync throws; the reused context cannot tell, and gives fewer bytes.
    const cut = (() => {
      try {
        return into.decodeInto(frame.subarray(0, frame.length - 100), out, 0, plain.length);
      } catch {
        return 'threw';
      }
    })();
    expect(cut === 'threw' || cut < plain.length).toBe(true);
    expect(into.decodeInto(frame, out, 0, plain.length)).toBe(plain.length);
    expect(out.subarray(0, plain.length).equals(plain)).toBe(true);
  });
});
