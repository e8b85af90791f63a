import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { LengthMismatchError } from './errors';
import { SpareBuffers } from './spare-buffers';
import {
  CTN2_KEY_ID,
  DEFAULT_CHUNK_SIZE,
  GCM_NONCE_LENGTH,
  KEY_LENGTH,
  MAX_CHUNK_SIZE,
  buildChunkHeader,
  buildFileHeader,
  createChunkCipher,
} from './format';

export interface Ctn2EncryptOptions {
  /** The 32-byte master encryption key (COTTON.md §1) that wraps the per-object data key. */
  masterKey: Buffer;
  /** Defaults to 1, Cotton's only key id. */
  keyId?: number;
  /** Plaintext bytes per encryption chunk; defaults to 1 MiB. */
  chunkSize?: number;
  /** Fixed inputs for reproducible output (golden vectors); random per object when omitted. */
  dataKey?: Buffer;
  /** uint32 */
  noncePrefix?: number;
  keyWrapNonce?: Buffer;
}

export interface Ctn2EncryptStreamOptions extends Ctn2EncryptOptions {
  /**
   * Plaintext length written into the header. Omitted or 0 = unknown (streaming). When given,
   * the stream fails with LengthMismatchError if the input does not have exactly that length.
   */
  totalLength?: number;
  /** Readable-side buffering, bytes; the writable side keeps Node's default. */
  readableHighWaterMark?: number;
}

/** Shared by the Transform and the one-shot function: header, chunk i, terminator. */
class Ctn2Encryptor {
  readonly header: Buffer;
  private readonly dataKey: Buffer;
  private readonly keyId: number;
  private readonly noncePrefix: number;
  private index = 0;

  constructor(options: Ctn2EncryptOptions, totalLength: number) {
    const keyId = options.keyId ?? CTN2_KEY_ID;
    checkKey(options.masterKey, 'masterKey');
    const dataKey = options.dataKey ?? randomBytes(KEY_LENGTH);
    checkKey(dataKey, 'dataKey');
    const keyWrapNonce = options.keyWrapNonce ?? randomBytes(GCM_NONCE_LENGTH);
    if (keyWrapNonce.length !== GCM_NONCE_LENGTH) throw new RangeError(`keyWrapNonce must be ${GCM_NONCE_LENGTH} bytes, got ${keyWrapNonce.length}`);
    const noncePrefix = options.noncePrefix ?? randomBytes(4).readUInt32LE(0);
    if (!Number.isInteger(noncePrefix) || noncePrefix < 0 || noncePrefix > 0xffffffff) {
      throw new RangeError(`noncePrefix must be a uint32, got ${noncePrefix}`);
    }
    if (!Number.isInteger(keyId) || keyId < -0x80000000 || keyId > 0x7fffffff) throw new RangeError(`keyId must be an int32, got ${keyId}`);
    if (!Number.isSafeInteger(totalLength) || totalLength < 0) throw new RangeError(`totalLength must be a non-negative integer, got ${totalLength}`);
    this.dataKey = dataKey;
    this.keyId = keyId;
    this.noncePrefix = noncePrefix;
    this.header = buildFileHeader({ masterKey: options.masterKey, dataKey, totalLength, keyId, noncePrefix, keyWrapNonce });
  }

  /** [chunk header, ciphertext] for the next chunk (plaintext must not be empty). */
  chunk(plaintext: Buffer): [Buffer, Buffer] {
    const cipher = createChunkCipher(this.dataKey, this.noncePrefix, this.keyId, this.index, plaintext.length);
    const ciphertext = cipher.update(plaintext);
    cipher.final(); // GCM is a stream mode: final() yields no bytes
    this.index += 1;
    return [buildChunkHeader(plaintext.length, this.keyId, cipher.getAuthTag()), ciphertext];
  }

  /** Index n, plaintext length 0, authenticating an empty plaintext. */
  terminator(): Buffer {
    const cipher = createChunkCipher(this.dataKey, this.noncePrefix, this.keyId, this.index, 0);
    cipher.final();
    return buildChunkHeader(0, this.keyId, cipher.getAuthTag());
  }
}

function checkKey(key: Buffer, name: string): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_LENGTH) {
    throw new RangeError(`${name} must be a ${KEY_LENGTH}-byte Buffer`);
  }
}

function checkChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunkSize must be an integer in 1..${MAX_CHUNK_SIZE}, got ${chunkSize}`);
  }
}

/**
 * One-shot CTN2 encryption of a buffer (total length in the header = its length). With fixed
 * `dataKey`, `noncePrefix` and `keyWrapNonce` the output is deterministic (golden vectors).
 */
export function encryptCtn2(plaintext: Uint8Array, options: Ctn2EncryptOptions): Buffer {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  checkChunkSize(chunkSize);
  const input = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  const encryptor = new Ctn2Encryptor(options, input.length);
  const parts: Buffer[] = [encryptor.header];
  for (let offset = 0; offset < input.length; offset += chunkSize) {
    parts.push(...encryptor.chunk(input.subarray(offset, Math.min(offset + chunkSize, input.length))));
  }
  parts.push(encryptor.terminator());
  return Buffer.concat(parts);
}

/** Pending buffers of finished streams of the default chunk size (spare-buffers.ts). */
const spares = new SpareBuffers(DEFAULT_CHUNK_SIZE, 8);

/**
 * Streaming CTN2 encryption: plaintext in, container out. Holds at most one chunk of plaintext
 * (copied into a reused buffer; input that arrives chunk-aligned is encrypted in place).
 */
export class Ctn2EncryptStream extends Transform {
  private readonly encryptor: Ctn2Encryptor;
  private readonly chunkSize: number;
  private readonly declaredLength: number;
  private pending: Buffer | undefined;
  private pendingLength = 0;
  private seen = 0;
  private headerPushed = false;

  constructor(options: Ctn2EncryptStreamOptions) {
    const transformOptions: TransformOptions = {};
    if (options.readableHighWaterMark !== undefined) transformOptions.readableHighWaterMark = options.readableHighWaterMark;
    super(transformOptions);
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    checkChunkSize(this.chunkSize);
    this.declaredLength = options.totalLength ?? 0;
    this.encryptor = new Ctn2Encryptor(options, this.declaredLength);
  }

  override _transform(data: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const input = typeof data === 'string' ? Buffer.from(data, encoding) : data;
      this.pushHeader();
      this.seen += input.length;
      if (this.declaredLength > 0 && this.seen > this.declaredLength) {
        throw new LengthMismatchError(`CTN2 encryption: input exceeds the declared total length of ${this.declaredLength} bytes`);
      }
      let offset = 0;
      const size = this.chunkSize;
      while (offset < input.length) {
        if (this.pendingLength === 0 && input.length - offset >= size) {
          this.pushChunk(input.subarray(offset, offset + size));
          offset += size;
          continue;
        }
        this.pending ??= size === spares.size ? spares.take() : Buffer.allocUnsafe(size);
        const n = Math.min(size - this.pendingLength, input.length - offset);
        input.copy(this.pending, this.pendingLength, offset, offset + n);
        this.pendingLength += n;
        offset += n;
        if (this.pendingLength === size) {
          this.pushChunk(this.pending);
          this.pendingLength = 0;
        }
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.pushHeader();
      if (this.declaredLength > 0 && this.seen !== this.declaredLength) {
        throw new LengthMismatchError(
          `CTN2 encryption: input was ${this.seen} bytes, but the header declares a total length of ${this.declaredLength}`,
        );
      }
      if (this.pendingLength > 0 && this.pending) {
        this.pushChunk(this.pending.subarray(0, this.pendingLength));
        this.pendingLength = 0;
      }
      // encryptor.chunk() copied its plaintext into the ciphertext: nothing refers to the buffer now.
      if (this.pending) spares.give(this.pending);
      this.pending = undefined;
      this.push(this.encryptor.terminator());
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private pushHeader(): void {
    if (this.headerPushed) return;
    this.headerPushed = true;
    this.push(this.encryptor.header);
  }

  private pushChunk(plaintext: Buffer): void {
    const [header, ciphertext] = this.encryptor.chunk(plaintext);
    this.push(header);
    this.push(ciphertext);
  }
}

export function createCtn2EncryptStream(options: Ctn2EncryptStreamOptions): Ctn2EncryptStream {
  return new Ctn2EncryptStream(options);
}
