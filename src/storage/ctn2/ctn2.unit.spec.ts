import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createCtn2DecryptStream, decryptCtn2 } from './decrypt';
import { createCtn2EncryptStream, encryptCtn2 } from './encrypt';
import {
  BadHeaderLengthError,
  ChunkAuthenticationFailedError,
  ChunkTooLargeError,
  Ctn2Error,
  HeaderAuthenticationFailedError,
  KeyIdMismatchError,
  LegacyCtn1FormatError,
  LengthMismatchError,
  TrailingBytesError,
  TruncatedError,
  UnknownMagicError,
} from './errors';
import { FILE_HEADER_LENGTH, buildFileHeader } from './format';

interface Vectors {
  masterKeyHex: string;
  plaintextHex: string;
  fileKeyHex: string;
  noncePrefixHex: string;
  fileKeyNonceHex: string;
  vectors: Record<'legacyCtn1TwoChunk' | 'legacyCtn1SingleChunk' | 'cottonCtn2SingleChunk', { format: string; chunkSize: number; hex: string }>;
}

// The golden vectors stay in the shared folder (Cotton's own test data): never copied here.
const vectors = JSON.parse(
  readFileSync(new URL('../../../../shared/cotton/container-vectors.json', import.meta.url), 'utf8'),
) as Vectors;

const masterKey = Buffer.from(vectors.masterKeyHex, 'hex');
const plaintext = Buffer.from(vectors.plaintextHex, 'hex');
const golden = Buffer.from(vectors.vectors.cottonCtn2SingleChunk.hex, 'hex');
const fixed = {
  masterKey,
  keyId: 1,
  dataKey: Buffer.from(vectors.fileKeyHex, 'hex'),
  noncePrefix: Buffer.from(vectors.noncePrefixHex, 'hex').readUInt32LE(0),
  keyWrapNonce: Buffer.from(vectors.fileKeyNonceHex, 'hex'),
  chunkSize: vectors.vectors.cottonCtn2SingleChunk.chunkSize,
};

function flip(container: Buffer, offset: number, bit = 0): Buffer {
  const copy = Buffer.from(container);
  copy[offset]! ^= 1 << bit;
  return copy;
}

async function decryptStreamed(container: Buffer, pieceSize: number, key = masterKey): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < container.length; i += pieceSize) pieces.push(container.subarray(i, i + pieceSize));
  const out: Buffer[] = [];
  const decrypt = createCtn2DecryptStream({ masterKey: key });
  decrypt.on('data', (b: Buffer) => out.push(b));
  await pipeline(Readable.from(pieces), decrypt);
  return Buffer.concat(out);
}

function expectError(container: Buffer, type: new (...args: never[]) => Ctn2Error, key = masterKey): Ctn2Error {
  let caught: unknown;
  try {
    decryptCtn2(container, { masterKey: key });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  expect(caught).toBeInstanceOf(Ctn2Error);
  return caught as Ctn2Error;
}

// Layout of the golden container: file header 0..84, chunk 0 header 84..120 (tag at 104),
// ciphertext 120..152, terminator 152..188.
describe('CTN2 golden vectors (Cotton test data)', () => {
  it('encrypts the fixed inputs to exactly Cotton\'s bytes', () => {
    expect(encryptCtn2(plaintext, fixed).toString('hex')).toBe(vectors.vectors.cottonCtn2SingleChunk.hex);
  });

  it('the streaming encryptor with the known length produces the same bytes', async () => {
    const encrypted = await collect(Readable.from([plaintext]).pipe(createCtn2EncryptStream({ ...fixed, totalLength: plaintext.length })));
    expect(encrypted.equals(golden)).toBe(true);
  });

  it('decrypts the golden container to the plaintext', () => {
    expect(decryptCtn2(golden, { masterKey }).toString('hex')).toBe(vectors.plaintextHex);
  });

  it('decrypts when fed one byte at a time, and in odd splits', async () => {
    expect((await decryptStreamed(golden, 1)).equals(plaintext)).toBe(true);
    expect((await decryptStreamed(golden, 7)).equals(plaintext)).toBe(true);
    expect((await decryptStreamed(golden, 85)).equals(plaintext)).toBe(true);
  });

  it.each(['legacyCtn1TwoChunk', 'legacyCtn1SingleChunk'] as const)('refuses %s as the legacy format', async (name) => {
    const legacy = Buffer.from(vectors.vectors[name].hex, 'hex');
    const error = expectError(legacy, LegacyCtn1FormatError);
    expect(error.code).toBe('CTN2_LEGACY_CTN1');
    expect(error.message).toContain("CTN1 is Cotton's unsupported legacy format");
    await expect(decryptStreamed(legacy, 1)).rejects.toBeInstanceOf(LegacyCtn1FormatError);
  });
});

describe('CTN2 tampering and corruption', () => {
  it('unknown magic', () => {
    expectError(flip(golden, 1), UnknownMagicError);
    expectError(Buffer.from('%PDF-1.7 not a container at all, but long enough for a header..........................'), UnknownMagicError);
  });

  it("keeps the object's bytes out of the message (a chunk pointing at /etc/passwd must not echo it)", () => {
    const error = expectError(Buffer.from(`root:x:0:0:root:/root:/bin/bash\n${'daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n'.repeat(3)}`), UnknownMagicError);
    expect(error.message).not.toMatch(/root|726f6f74/);
    expect((error as UnknownMagicError).magic.toString()).toBe('root');
  });

  it('bad header length (file header and chunk header)', () => {
    expectError(flip(golden, 4), BadHeaderLengthError);
    expectError(flip(golden, 84 + 4, 3), BadHeaderLengthError);
  });

  it('key id mismatch (file header and chunk header)', () => {
    expectError(flip(golden, 16, 1), KeyIdMismatchError);
    expectError(flip(golden, 84 + 16, 1), KeyIdMismatchError);
    expect(() => decryptCtn2(golden, { masterKey, keyId: 2 })).toThrow(KeyIdMismatchError);
  });

  it.each([
    ['total length', 8],
    ['nonce prefix', 20],
    ['key-wrap nonce', 30],
    ['key-wrap tag', 40],
    ['wrapped data key', 60],
    ['last header byte', FILE_HEADER_LENGTH - 1],
  ])('header authentication fails on a flipped bit in the %s', (_field, offset) => {
    const error = expectError(flip(golden, offset), HeaderAuthenticationFailedError);
    expect(error.message).toMatch(/master encryption key|tampered/);
  });

  it('wrong master key → header authentication failed', () => {
    expectError(golden, HeaderAuthenticationFailedError, randomBytes(32));
  });

  it.each([
    ['chunk tag', 104, 0],
    ['ciphertext', 130, 0],
    ['terminator tag', 152 + 25, 1],
  ])('chunk authentication fails on a flipped bit in the %s', (_field, offset, chunkIndex) => {
    const error = expectError(flip(golden, offset), ChunkAuthenticationFailedError) as ChunkAuthenticationFailedError;
    expect(error.chunkIndex).toBe(chunkIndex);
  });

  it('no plaintext escapes before the chunk tag verifies', async () => {
    const out: Buffer[] = [];
    const decrypt = createCtn2DecryptStream({ masterKey });
    decrypt.on('data', (b: Buffer) => out.push(b));
    const tampered = flip(golden, 104);
    await expect(pipeline(Readable.from([tampered.subarray(0, 151), tampered.subarray(151)]), decrypt)).rejects.toBeInstanceOf(
      ChunkAuthenticationFailedError,
    );
    expect(out).toEqual([]);
  });

  it.each([0, 1, 3, 40, 83, 84, 100, 120, 121, 151, 152, 170, 187])('truncation at %i bytes', async (cut) => {
    expectError(golden.subarray(0, cut), TruncatedError);
    await expect(decryptStreamed(golden.subarray(0, cut), 5)).rejects.toBeInstanceOf(TruncatedError);
  });

  it('trailing bytes after the terminator', async () => {
    expectError(Buffer.concat([golden, Buffer.from([0])]), TrailingBytesError);
    expectError(Buffer.concat([golden, golden]), TrailingBytesError);
    await expect(decryptStreamed(Buffer.concat([golden, Buffer.from('x')]), 1)).rejects.toBeInstanceOf(TrailingBytesError);
  });

  it('chunk lengths that disagree with the declared total', () => {
    // chunk 0 claims 33 bytes: beyond the 32 the (authenticated) file header declares
    expectError(flip(golden, 84 + 8, 0), LengthMismatchError);
    // every chunk authentic, but the (authentic) header declares more than the chunks hold
    const header = buildFileHeader({ ...fixed, totalLength: 40 });
    expectError(Buffer.concat([header, golden.subarray(FILE_HEADER_LENGTH)]), LengthMismatchError);
  });

  it('a chunk header claiming more than the limit is refused before allocating', () => {
    const hostile = Buffer.from(golden);
    hostile.writeBigInt64LE(1n << 40n, 84 + 8);
    const error = expectError(hostile, ChunkTooLargeError) as ChunkTooLargeError;
    expect(error.chunkIndex).toBe(0);
    hostile.writeBigInt64LE(-1n, 84 + 8);
    expectError(hostile, ChunkTooLargeError);
  });
});

describe('CTN2 encryption', () => {
  it.each([0, 1, 8191, 8192, 8193, 3 * 8192 + 5])('round trip of %i bytes (one-shot and streamed)', async (size) => {
    const data = randomBytes(size);
    const container = encryptCtn2(data, { masterKey, chunkSize: 8192 });
    expect(container.length).toBe(84 + Math.ceil(size / 8192) * 36 + size + 36);
    expect(decryptCtn2(container, { masterKey }).equals(data)).toBe(true);
    const streamed = await collect(Readable.from(size ? [data.subarray(0, 100), data.subarray(100)] : []).pipe(createCtn2EncryptStream({ masterKey, chunkSize: 8192 })));
    expect(streamed.readBigInt64LE(8)).toBe(0n); // unknown length while streaming
    expect(streamed.length).toBe(container.length);
    expect((await decryptStreamed(streamed, 4096)).equals(data)).toBe(true);
  });

  it('every object gets a fresh data key and nonces', () => {
    const a = encryptCtn2(plaintext, { masterKey });
    const b = encryptCtn2(plaintext, { masterKey });
    expect(a.equals(b)).toBe(false);
  });

  it('a streamed input longer or shorter than the declared total length fails', async () => {
    const tooShort = Readable.from([Buffer.alloc(10)]).pipe(createCtn2EncryptStream({ masterKey, totalLength: 11 }));
    await expect(collect(tooShort)).rejects.toBeInstanceOf(LengthMismatchError);
    const tooLong = Readable.from([Buffer.alloc(12)]).pipe(createCtn2EncryptStream({ masterKey, totalLength: 11 }));
    await expect(collect(tooLong)).rejects.toBeInstanceOf(LengthMismatchError);
  });

  it('rejects malformed keys and parameters', () => {
    expect(() => encryptCtn2(plaintext, { masterKey: Buffer.alloc(16) })).toThrow(RangeError);
    expect(() => encryptCtn2(plaintext, { masterKey, chunkSize: 0 })).toThrow(RangeError);
    expect(() => encryptCtn2(plaintext, { masterKey, noncePrefix: 2 ** 32 })).toThrow(RangeError);
  });
});
