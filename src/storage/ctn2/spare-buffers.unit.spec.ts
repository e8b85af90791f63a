import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { decryptCtn2 } from './decrypt';
import { createCtn2EncryptStream } from './encrypt';
import { SpareBuffers } from './spare-buffers';

describe('SpareBuffers', () => {
  it('hands back a returned buffer, keeps at most `max`, and refuses other sizes and a buffer twice', () => {
    const spares = new SpareBuffers(16, 2);
    const [a, b, c] = [spares.take(), spares.take(), spares.take()];
    spares.give(a);
    spares.give(a);
    spares.give(Buffer.alloc(8));
    spares.give(b);
    spares.give(c);
    const again = [spares.take(), spares.take(), spares.take()];
    expect(again.slice(0, 2).sort()).toEqual([a, b].sort());
    expect(again[0]).not.toBe(again[1]);
    expect([a, b, c]).not.toContain(again[2]);
    expect(again[2]!.length).toBe(16);
  });
});

describe('CTN2 encryption streams sharing spare buffers', () => {
  it('round-trips objects of unaligned sizes, each shorter than the last, while other streams run', async () => {
    const masterKey = randomBytes(32);
    const sizes = [3 * 1024 * 1024 + 777, 1024 * 1024 + 5, 700_001, 4096, 1];
    const encrypt = (plaintext: Buffer) => {
      // Pieces of 64 KiB + 1: never chunk-aligned, so every chunk goes through the pending buffer.
      const pieces = [];
      for (let at = 0; at < plaintext.length; at += 65_537) pieces.push(plaintext.subarray(at, at + 65_537));
      return collect(Readable.from(pieces).pipe(createCtn2EncryptStream({ masterKey })));
    };
    for (let round = 0; round < 2; round++) {
      const plaintexts = sizes.map((n) => randomBytes(n));
      const containers = await Promise.all(plaintexts.map(encrypt));
      containers.forEach((container, i) => expect(decryptCtn2(container, { masterKey }).equals(plaintexts[i]!)).toBe(true));
    }
  });
});
