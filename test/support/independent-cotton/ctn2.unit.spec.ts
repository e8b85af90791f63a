import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptCtn2 } from '../../../src/storage/ctn2/decrypt';
import { encryptCtn2 } from './ctn2';

const vectorsPath = fileURLToPath(new URL('../../../../shared/cotton/container-vectors.json', import.meta.url));

describe('the independent CTN2 encryptor (test support)', () => {
  it("reproduces Cotton's golden vector cottonCtn2SingleChunk byte for byte", async () => {
    const v = JSON.parse(await readFile(vectorsPath, 'utf8'));
    const golden = v.vectors.cottonCtn2SingleChunk;
    const out = encryptCtn2(Buffer.from(v.plaintextHex, 'hex'), {
      wrappingKey: Buffer.from(v.masterKeyHex, 'hex'),
      keyId: 1,
      chunkSize: golden.chunkSize,
      dataKey: Buffer.from(v.fileKeyHex, 'hex'),
      noncePrefix: Buffer.from(v.noncePrefixHex, 'hex').readUInt32LE(0),
      keyWrapNonce: Buffer.from(v.fileKeyNonceHex, 'hex'),
    });
    expect(out.toString('hex')).toBe(golden.hex);
  });

  // The vector has one data chunk; backups use several: nonce and AAD of later indexes, and the
  // terminator after them, must agree with our reader too.
  it('writes several chunks our reader decrypts', () => {
    const wrappingKey = randomBytes(32);
    const plaintext = randomBytes(3 * 4096 + 17);
    const container = encryptCtn2(plaintext, { wrappingKey, chunkSize: 4096 });
    expect(container.length).toBe(84 + 5 * 36 + plaintext.length);
    expect(decryptCtn2(container, { masterKey: wrappingKey })).toEqual(plaintext);
  });
});
