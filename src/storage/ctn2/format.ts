import { createCipheriv, createDecipheriv } from 'node:crypto';

/** CTN2 wire format (COTTON.md §3). All integers little-endian. */
export const CTN2_MAGIC = Buffer.from('CTN2', 'latin1');
export const CTN1_MAGIC = Buffer.from('CTN1', 'latin1');
export const FILE_HEADER_LENGTH = 84;
export const CHUNK_HEADER_LENGTH = 36;
/** Format version inside the chunk AAD. */
export const CTN2_FORMAT_VERSION = 2;
/** Cotton's only master key id. */
export const CTN2_KEY_ID = 1;
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
/** Largest chunk plaintext a reader accepts from a header (never allocate what a hostile header says). */
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;
export const GCM_TAG_LENGTH = 16;
export const GCM_NONCE_LENGTH = 12;
export const KEY_LENGTH = 32;
/** Bytes of the file header covered by the key-wrap AAD: magic ‖ header length ‖ total ‖ key id ‖ nonce prefix ‖ key-wrap nonce. */
export const FILE_HEADER_AAD_LENGTH = 36;

const AES = 'aes-256-gcm';

// File header offsets.
const OFF_MAGIC = 0;
const OFF_HEADER_LENGTH = 4;
const OFF_TOTAL_LENGTH = 8;
const OFF_KEY_ID = 16;
const OFF_NONCE_PREFIX = 20;
const OFF_KEY_WRAP_NONCE = 24;
const OFF_KEY_WRAP_TAG = 36;
const OFF_WRAPPED_KEY = 52;

// Chunk header offsets.
const CH_OFF_LENGTH = 8;
const CH_OFF_KEY_ID = 16;
const CH_OFF_TAG = 20;

export interface FileHeader {
  /** Total plaintext length; 0n when unknown (streaming). */
  totalLength: bigint;
  keyId: number;
  /** uint32, little-endian on the wire. */
  noncePrefix: number;
  keyWrapNonce: Buffer;
  keyWrapTag: Buffer;
  wrappedDataKey: Buffer;
}

export interface ChunkHeader {
  magic: Buffer;
  headerLength: number;
  /** Signed int64 as stored: callers range-check before use. */
  plaintextLength: bigint;
  keyId: number;
  tag: Buffer;
}

/**
 * Builds the 84-byte file header, wrapping `dataKey` under `masterKey` (AES-256-GCM, AAD = the
 * first 36 header bytes).
 */
export function buildFileHeader(fields: {
  masterKey: Buffer;
  dataKey: Buffer;
  totalLength: number | bigint;
  keyId: number;
  noncePrefix: number;
  keyWrapNonce: Buffer;
}): Buffer {
  const header = Buffer.alloc(FILE_HEADER_LENGTH);
  CTN2_MAGIC.copy(header, OFF_MAGIC);
  header.writeInt32LE(FILE_HEADER_LENGTH, OFF_HEADER_LENGTH);
  header.writeBigInt64LE(BigInt(fields.totalLength), OFF_TOTAL_LENGTH);
  header.writeInt32LE(fields.keyId, OFF_KEY_ID);
  header.writeUInt32LE(fields.noncePrefix, OFF_NONCE_PREFIX);
  fields.keyWrapNonce.copy(header, OFF_KEY_WRAP_NONCE);
  const cipher = createCipheriv(AES, fields.masterKey, fields.keyWrapNonce, { authTagLength: GCM_TAG_LENGTH });
  cipher.setAAD(header.subarray(0, FILE_HEADER_AAD_LENGTH));
  const wrapped = cipher.update(fields.dataKey);
  cipher.final();
  cipher.getAuthTag().copy(header, OFF_KEY_WRAP_TAG);
  wrapped.copy(header, OFF_WRAPPED_KEY);
  return header;
}

export function readMagic(bytes: Buffer): Buffer {
  return bytes.subarray(0, 4);
}

export function readHeaderLength(bytes: Buffer): number {
  return bytes.readInt32LE(OFF_HEADER_LENGTH);
}

/** Field split of a complete 84-byte file header; validation is the reader's job. */
export function parseFileHeader(header: Buffer): FileHeader {
  return {
    totalLength: header.readBigInt64LE(OFF_TOTAL_LENGTH),
    keyId: header.readInt32LE(OFF_KEY_ID),
    noncePrefix: header.readUInt32LE(OFF_NONCE_PREFIX),
    keyWrapNonce: header.subarray(OFF_KEY_WRAP_NONCE, OFF_KEY_WRAP_NONCE + GCM_NONCE_LENGTH),
    keyWrapTag: header.subarray(OFF_KEY_WRAP_TAG, OFF_KEY_WRAP_TAG + GCM_TAG_LENGTH),
    wrappedDataKey: header.subarray(OFF_WRAPPED_KEY, OFF_WRAPPED_KEY + KEY_LENGTH),
  };
}

/** Unwraps the data key; throws whatever GCM throws on authentication failure (the reader types it). */
export function unwrapDataKey(header: Buffer, masterKey: Buffer): Buffer {
  const fields = parseFileHeader(header);
  const decipher = createDecipheriv(AES, masterKey, fields.keyWrapNonce, { authTagLength: GCM_TAG_LENGTH });
  decipher.setAAD(header.subarray(0, FILE_HEADER_AAD_LENGTH));
  decipher.setAuthTag(fields.keyWrapTag);
  const dataKey = decipher.update(fields.wrappedDataKey);
  decipher.final();
  return dataKey;
}

export function buildChunkHeader(plaintextLength: number, keyId: number, tag: Buffer): Buffer {
  const header = Buffer.allocUnsafe(CHUNK_HEADER_LENGTH);
  CTN2_MAGIC.copy(header, 0);
  header.writeInt32LE(CHUNK_HEADER_LENGTH, 4);
  header.writeBigInt64LE(BigInt(plaintextLength), CH_OFF_LENGTH);
  header.writeInt32LE(keyId, CH_OFF_KEY_ID);
  tag.copy(header, CH_OFF_TAG);
  return header;
}

export function parseChunkHeader(header: Buffer): ChunkHeader {
  return {
    magic: header.subarray(0, 4),
    headerLength: header.readInt32LE(4),
    plaintextLength: header.readBigInt64LE(CH_OFF_LENGTH),
    keyId: header.readInt32LE(CH_OFF_KEY_ID),
    tag: header.subarray(CH_OFF_TAG, CH_OFF_TAG + GCM_TAG_LENGTH),
  };
}

/** Chunk nonce: nonce prefix (uint32) ‖ chunk index (uint64). */
export function chunkNonce(noncePrefix: number, index: number): Buffer {
  const nonce = Buffer.allocUnsafe(GCM_NONCE_LENGTH);
  nonce.writeUInt32LE(noncePrefix, 0);
  nonce.writeBigUInt64LE(BigInt(index), 4);
  return nonce;
}

/** Chunk AAD: "CTN2" ‖ int32 2 ‖ key id (int32) ‖ index (int64) ‖ plaintext length (int64) ‖ int32 0. */
export function chunkAad(keyId: number, index: number, plaintextLength: number): Buffer {
  const aad = Buffer.allocUnsafe(32);
  CTN2_MAGIC.copy(aad, 0);
  aad.writeInt32LE(CTN2_FORMAT_VERSION, 4);
  aad.writeInt32LE(keyId, 8);
  aad.writeBigInt64LE(BigInt(index), 12);
  aad.writeBigInt64LE(BigInt(plaintextLength), 20);
  aad.writeInt32LE(0, 28);
  return aad;
}

export function createChunkCipher(dataKey: Buffer, noncePrefix: number, keyId: number, index: number, plaintextLength: number) {
  const cipher = createCipheriv(AES, dataKey, chunkNonce(noncePrefix, index), { authTagLength: GCM_TAG_LENGTH });
  cipher.setAAD(chunkAad(keyId, index, plaintextLength));
  return cipher;
}

export function createChunkDecipher(
  dataKey: Buffer,
  noncePrefix: number,
  keyId: number,
  index: number,
  plaintextLength: number,
  tag: Buffer,
) {
  const decipher = createDecipheriv(AES, dataKey, chunkNonce(noncePrefix, index), { authTagLength: GCM_TAG_LENGTH });
  decipher.setAAD(chunkAad(keyId, index, plaintextLength));
  decipher.setAuthTag(tag);
  return decipher;
}
