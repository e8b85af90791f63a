import { createCipheriv, randomBytes } from 'node:crypto';

/**
 * A second CTN2 encryptor, written from COTTON.md §3 alone and sharing no code with src/storage:
 * what a backup "written by Cotton" is encrypted with in the tests, so that a defect our
 * encryptor and decryptor share (an AAD, a nonce layout, a header field) cannot pass unseen.
 * Whole objects in memory: test data only.
 */
export interface Ctn2Options {
  /** The 32-byte key that wraps the per-object data key (the master encryption key). */
  wrappingKey: Buffer;
  keyId?: number;
  /** Plaintext bytes per encryption chunk; Cotton's default is 1 MiB. */
  chunkSize?: number;
  /** Fixed in place of the random values, for the golden vector. */
  dataKey?: Buffer;
  noncePrefix?: number;
  keyWrapNonce?: Buffer;
}

const MAGIC = Buffer.from('CTN2', 'ascii');
const FILE_HEADER_LENGTH = 84;
const CHUNK_HEADER_LENGTH = 36;
const FORMAT_VERSION = 2;

function gcm(key: Buffer, nonce: Buffer, aad: Buffer, plaintext: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

function chunk(dataKey: Buffer, keyId: number, noncePrefix: number, index: number, plaintext: Buffer): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32LE(noncePrefix, 0);
  nonce.writeBigUInt64LE(BigInt(index), 4);
  const aad = Buffer.alloc(32);
  MAGIC.copy(aad, 0);
  aad.writeInt32LE(FORMAT_VERSION, 4);
  aad.writeInt32LE(keyId, 8);
  aad.writeBigInt64LE(BigInt(index), 12);
  aad.writeBigInt64LE(BigInt(plaintext.length), 20);
  aad.writeInt32LE(0, 28);
  const { ciphertext, tag } = gcm(dataKey, nonce, aad, plaintext);
  const header = Buffer.alloc(CHUNK_HEADER_LENGTH);
  MAGIC.copy(header, 0);
  header.writeInt32LE(CHUNK_HEADER_LENGTH, 4);
  header.writeBigInt64LE(BigInt(plaintext.length), 8);
  header.writeInt32LE(keyId, 16);
  tag.copy(header, 20);
  return Buffer.concat([header, ciphertext]);
}

/** `plaintext` as one CTN2 container: file header, the chunks, then the empty terminator chunk. */
export function encryptCtn2(plaintext: Buffer, options: Ctn2Options): Buffer {
  const keyId = options.keyId ?? 1;
  const chunkSize = options.chunkSize ?? 1024 * 1024;
  const dataKey = options.dataKey ?? randomBytes(32);
  const noncePrefix = options.noncePrefix ?? randomBytes(4).readUInt32LE(0);
  const keyWrapNonce = options.keyWrapNonce ?? randomBytes(12);

  const header = Buffer.alloc(FILE_HEADER_LENGTH);
  MAGIC.copy(header, 0);
  header.writeInt32LE(FILE_HEADER_LENGTH, 4);
  header.writeBigInt64LE(BigInt(plaintext.length), 8);
  header.writeInt32LE(keyId, 16);
  header.writeUInt32LE(noncePrefix, 20);
  keyWrapNonce.copy(header, 24);
  const wrapped = gcm(options.wrappingKey, keyWrapNonce, header.subarray(0, 36), dataKey);
  wrapped.tag.copy(header, 36);
  wrapped.ciphertext.copy(header, 52);

  const parts: Buffer[] = [header];
  let index = 0;
  for (let offset = 0; offset < plaintext.length; offset += chunkSize, index++) {
    parts.push(chunk(dataKey, keyId, noncePrefix, index, plaintext.subarray(offset, offset + chunkSize)));
  }
  parts.push(chunk(dataKey, keyId, noncePrefix, index, Buffer.alloc(0)));
  return Buffer.concat(parts);
}
