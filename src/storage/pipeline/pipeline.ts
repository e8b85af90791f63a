import { Readable, pipeline as pipelineWithCallback } from 'node:stream';
import { constants as zlibConstants, createZstdCompress, createZstdDecompress } from 'node:zlib';
import type { ByteSource, StorageBackend } from '../backend/storage-backend';
import { createCtn2DecryptStream } from '../ctn2/decrypt';
import { DecodePool, decodeWorkersFor } from '../decode/decode-pool';
import { createCtn2EncryptStream } from '../ctn2/encrypt';
import { DEFAULT_CHUNK_SIZE, KEY_LENGTH } from '../ctn2/format';
import { assertStorageKey } from '../backend/layout';
import { type ObjectStorage, type WriteOptions, type WriteResult } from '../object-storage';
import { ObjectTooLargeError } from '../backend/errors';

export interface PipelineOptions {
  /** The 32-byte master encryption key (deriveMasterEncryptionKey). */
  masterEncryptionKey: Buffer;
  /** zstd level; Cotton's default is 1. */
  zstdLevel?: number;
}

/** readBuffer's default cap: manifests and pointers are kilobytes. */
export const DEFAULT_READ_BUFFER_LIMIT = 16 * 1024 * 1024;
/** zstd output piece size: fewer, larger pieces through the CTN2 stage than the 16 KiB default. */
const ZSTD_CHUNK = 256 * 1024;

/**
 * Cotton's storage pipeline (COTTON.md §2) over any backend: write = plaintext → zstd → CTN2 →
 * backend; read = the reverse. Memory is bounded by one CTN2 chunk (1 MiB) plus stream buffers,
 * whatever the object size; the backend only ever sees container bytes.
 */
export function createPipelineStorage(backend: StorageBackend, options: PipelineOptions): ObjectStorage {
  const masterKey = options.masterEncryptionKey;
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== KEY_LENGTH) {
    throw new RangeError(`masterEncryptionKey must be ${KEY_LENGTH} bytes (the HKDF-derived master encryption key)`);
  }
  const zstdLevel = options.zstdLevel ?? 1;
  if (!Number.isInteger(zstdLevel) || zstdLevel > 22) throw new RangeError(`zstdLevel must be an integer ≤ 22, got ${zstdLevel}`);

  async function write(key: string, source: Readable | Uint8Array, writeOptions: WriteOptions = {}): Promise<WriteResult> {
    assertStorageKey(key);
    if (!writeOptions.overwrite) {
      const existing = await backend.size(key);
      if (existing !== undefined) {
        discardSource(source);
        return { written: false, storedBytes: existing };
      }
    }
    const seal = (input: Readable): ByteSource => [
      input,
      createZstdCompress({ chunkSize: ZSTD_CHUNK, params: { [zlibConstants.ZSTD_c_compressionLevel]: zstdLevel } }),
      createCtn2EncryptStream({ masterKey, chunkSize: DEFAULT_CHUNK_SIZE }),
    ];
    const options = { overwrite: writeOptions.overwrite, checkedAbsent: !writeOptions.overwrite };
    if (source instanceof Readable) {
      const again = writeOptions.replay;
      return backend.write(key, seal(source), again ? { ...options, replay: () => seal(again()) } : options);
    }
    // Bytes in memory can be sealed again (a fresh nonce, the same plaintext): a retry can replay them.
    const bytes = toBuffer(source);
    return backend.write(key, seal(Readable.from([bytes])), { ...options, replay: () => seal(Readable.from([bytes])) });
  }

  async function read(key: string): Promise<Readable> {
    const raw = await backend.openRead(key); // ObjectNotFoundError here, as a rejected promise
    const decrypt = createCtn2DecryptStream({ masterKey, name: `CTN2 object ${key}` });
    const decompress = createZstdDecompress({ chunkSize: ZSTD_CHUNK });
    // Errors anywhere destroy every stage; the consumer sees them as an 'error' on the returned
    // stream. Destroying the returned stream early closes the object's stream.
    pipelineWithCallback(raw, decrypt, decompress, () => undefined);
    return decompress;
  }

  async function readBuffer(key: string, maxBytes = DEFAULT_READ_BUFFER_LIMIT): Promise<Buffer> {
    const stream = await read(key);
    const parts: Buffer[] = [];
    let total = 0;
    for await (const piece of stream as AsyncIterable<Buffer>) {
      total += piece.length;
      if (total > maxBytes) {
        stream.destroy();
        throw new ObjectTooLargeError(key, maxBytes);
      }
      parts.push(piece);
    }
    return Buffer.concat(parts, total);
  }

  return {
    write,
    read,
    readBuffer,
    exists: (key) => backend.exists(key),
    delete: (key) => backend.delete(key),
    size: (key) => backend.size(key),
    list: () => backend.list(),
    backend,
    openDecodePool: ({ ringBytes }) => new DecodePool(masterKey, { ringBytes, workers: decodeWorkersFor(backend.readInto !== undefined) }),
  };
}

/**
 * A skipped write (the key already exists) must not read the source: it is destroyed without
 * an error. That releases its resources at once (a file stream closes its descriptor, an async
 * generator behind Readable.from() has its `finally` run) and never leaves a producer waiting
 * for 'drain': a producer piping into it with pipeline() sees ERR_STREAM_PREMATURE_CLOSE, and
 * direct writes fail with ERR_STREAM_DESTROYED. Callers who need the bytes anyway (e.g. to
 * hash them) should hash before writing, or check `exists()` first.
 */
function discardSource(source: Readable | Uint8Array): void {
  if (source instanceof Readable && !source.destroyed) source.destroy();
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
