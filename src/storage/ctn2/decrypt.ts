import type { DecipherGCM } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import {
  BadHeaderLengthError,
  ChunkAuthenticationFailedError,
  ChunkTooLargeError,
  HeaderAuthenticationFailedError,
  KeyIdMismatchError,
  LegacyCtn1FormatError,
  LengthMismatchError,
  TrailingBytesError,
  TruncatedError,
  UnknownMagicError,
} from './errors';
import {
  CHUNK_HEADER_LENGTH,
  CTN1_MAGIC,
  CTN2_KEY_ID,
  CTN2_MAGIC,
  FILE_HEADER_LENGTH,
  KEY_LENGTH,
  MAX_CHUNK_SIZE,
  createChunkDecipher,
  parseChunkHeader,
  parseFileHeader,
  readHeaderLength,
  readMagic,
  unwrapDataKey,
} from './format';

export interface Ctn2DecryptOptions {
  /** The 32-byte master encryption key. */
  masterKey: Buffer;
  /** Key id the reader holds; defaults to 1. */
  keyId?: number;
  /** Largest chunk plaintext accepted from a chunk header; defaults to 64 MiB. */
  maxChunkSize?: number;
  /** Names the container in error messages, e.g. "CTN2 object 3fa4…". */
  name?: string;
}

type Phase = 'fileHeader' | 'chunkHeader' | 'chunkBody' | 'done' | 'failed';

/**
 * The CTN2 reader as a push state machine, independent of streams: `write()` any split of the
 * input, `end()` at EOF. Plaintext of a chunk is emitted only after its GCM tag verified.
 * Throws Ctn2Error subclasses; after a throw the decoder refuses further input.
 */
export class Ctn2Decoder {
  private readonly masterKey: Buffer;
  private readonly keyId: number;
  private readonly maxChunkSize: number;
  private readonly name: string | undefined;

  private phase: Phase = 'fileHeader';
  private readonly fileHeader = Buffer.alloc(FILE_HEADER_LENGTH);
  private readonly chunkHeader = Buffer.alloc(CHUNK_HEADER_LENGTH);
  private filled = 0; // bytes of the current header collected
  private consumed = 0; // container bytes processed so far

  private dataKey: Buffer | undefined;
  private noncePrefix = 0;
  private declaredTotal = 0n;
  private plaintextSeen = 0;
  private index = 0;

  private decipher: DecipherGCM | undefined;
  private chunkLength = 0;
  private remaining = 0;
  private pieces: Buffer[] = [];

  constructor(options: Ctn2DecryptOptions) {
    if (!Buffer.isBuffer(options.masterKey) || options.masterKey.length !== KEY_LENGTH) {
      throw new RangeError(`masterKey must be a ${KEY_LENGTH}-byte Buffer`);
    }
    this.masterKey = options.masterKey;
    this.keyId = options.keyId ?? CTN2_KEY_ID;
    this.maxChunkSize = options.maxChunkSize ?? MAX_CHUNK_SIZE;
    this.name = options.name;
  }

  get finished(): boolean {
    return this.phase === 'done';
  }

  write(input: Buffer, emit: (plaintext: Buffer) => void): void {
    if (this.phase === 'failed') throw new Error('CTN2 decoder already failed');
    try {
      this.process(input, emit);
    } catch (error) {
      this.phase = 'failed';
      this.decipher = undefined;
      this.pieces = [];
      throw error;
    }
  }

  end(): void {
    if (this.phase === 'done') return;
    if (this.phase === 'failed') throw new Error('CTN2 decoder already failed');
    this.phase = 'failed';
    throw new TruncatedError(this.consumed, this.describePosition(), this.name);
  }

  private describePosition(): string {
    switch (this.phase) {
      case 'fileHeader':
        return this.consumed === 0 ? 'the input is empty' : `inside the file header (${this.filled} of ${FILE_HEADER_LENGTH} bytes)`;
      case 'chunkHeader':
        return this.filled === 0
          ? `before the header of chunk ${this.index} (no terminator seen)`
          : `inside the header of chunk ${this.index} (${this.filled} of ${CHUNK_HEADER_LENGTH} bytes)`;
      case 'chunkBody':
        return `inside the ciphertext of chunk ${this.index} (${this.chunkLength - this.remaining} of ${this.chunkLength} bytes)`;
      default:
        return 'at an unexpected position';
    }
  }

  private process(input: Buffer, emit: (plaintext: Buffer) => void): void {
    let offset = 0;
    const length = input.length;
    while (offset < length) {
      switch (this.phase) {
        case 'fileHeader': {
          const before = this.filled;
          const n = Math.min(FILE_HEADER_LENGTH - before, length - offset);
          input.copy(this.fileHeader, before, offset, offset + n);
          this.filled += n;
          offset += n;
          this.consumed += n;
          // Refuse as early as the bytes allow: magic at 4, header length at 8.
          if (before < 4 && this.filled >= 4) this.checkMagic(this.fileHeader, 'file header');
          if (before < 8 && this.filled >= 8) this.checkHeaderLength(this.fileHeader, 'file header', FILE_HEADER_LENGTH);
          if (this.filled === FILE_HEADER_LENGTH) this.openFileHeader();
          break;
        }
        case 'chunkHeader': {
          const before = this.filled;
          const n = Math.min(CHUNK_HEADER_LENGTH - before, length - offset);
          input.copy(this.chunkHeader, before, offset, offset + n);
          this.filled += n;
          offset += n;
          this.consumed += n;
          if (this.filled === CHUNK_HEADER_LENGTH) this.openChunk(emit);
          break;
        }
        case 'chunkBody': {
          const n = Math.min(this.remaining, length - offset);
          const out = this.decipher!.update(input.subarray(offset, offset + n));
          if (out.length > 0) this.pieces.push(out);
          this.remaining -= n;
          offset += n;
          this.consumed += n;
          if (this.remaining === 0) this.closeChunk(emit);
          break;
        }
        case 'done':
          throw new TrailingBytesError(this.consumed, this.name);
        default:
          throw new Error('CTN2 decoder already failed');
      }
    }
  }

  private checkMagic(bytes: Buffer, part: string): void {
    const magic = readMagic(bytes);
    if (magic.equals(CTN2_MAGIC)) return;
    if (magic.equals(CTN1_MAGIC) && part === 'file header') throw new LegacyCtn1FormatError(this.name);
    throw new UnknownMagicError(magic, part, this.name);
  }

  private checkHeaderLength(bytes: Buffer, part: string, expected: number): void {
    const actual = readHeaderLength(bytes);
    if (actual !== expected) throw new BadHeaderLengthError(part, actual, expected, this.name);
  }

  private openFileHeader(): void {
    const header = parseFileHeader(this.fileHeader);
    if (header.keyId !== this.keyId) throw new KeyIdMismatchError('file header', header.keyId, this.keyId, this.name);
    try {
      this.dataKey = unwrapDataKey(this.fileHeader, this.masterKey);
    } catch (cause) {
      throw new HeaderAuthenticationFailedError(this.name, { cause });
    }
    // Authenticated from here on (the total length is in the key-wrap AAD).
    if (header.totalLength < 0n) {
      throw new LengthMismatchError(`file header declares a negative total plaintext length (${header.totalLength})`, this.name);
    }
    this.declaredTotal = header.totalLength;
    this.noncePrefix = header.noncePrefix;
    this.filled = 0;
    this.phase = 'chunkHeader';
  }

  private openChunk(emit: (plaintext: Buffer) => void): void {
    const part = `header of chunk ${this.index}`;
    this.checkMagic(this.chunkHeader, part);
    this.checkHeaderLength(this.chunkHeader, part, CHUNK_HEADER_LENGTH);
    const header = parseChunkHeader(this.chunkHeader);
    if (header.keyId !== this.keyId) throw new KeyIdMismatchError(part, header.keyId, this.keyId, this.name);
    if (header.plaintextLength < 0n || header.plaintextLength > BigInt(this.maxChunkSize)) {
      throw new ChunkTooLargeError(this.index, header.plaintextLength, this.maxChunkSize, this.name);
    }
    const chunkLength = Number(header.plaintextLength);
    if (this.declaredTotal > 0n && BigInt(this.plaintextSeen + chunkLength) > this.declaredTotal) {
      throw new LengthMismatchError(
        `chunk ${this.index} would bring the plaintext to ${this.plaintextSeen + chunkLength} bytes, ` +
          `beyond the ${this.declaredTotal} declared in the file header`,
        this.name,
      );
    }
    this.filled = 0;
    this.chunkLength = chunkLength;
    this.remaining = chunkLength;
    this.decipher = createChunkDecipher(this.dataKey!, this.noncePrefix, this.keyId, this.index, chunkLength, header.tag);
    if (chunkLength === 0) {
      this.closeChunk(emit); // the terminator: authenticates an empty plaintext at index n
    } else {
      this.phase = 'chunkBody';
    }
  }

  private closeChunk(emit: (plaintext: Buffer) => void): void {
    const terminator = this.chunkLength === 0;
    try {
      this.decipher!.final();
    } catch (cause) {
      throw new ChunkAuthenticationFailedError(this.index, terminator, this.name, { cause });
    }
    this.decipher = undefined;
    if (terminator) {
      if (this.declaredTotal > 0n && BigInt(this.plaintextSeen) !== this.declaredTotal) {
        throw new LengthMismatchError(
          `chunks hold ${this.plaintextSeen} plaintext bytes, but the file header declares ${this.declaredTotal}`,
          this.name,
        );
      }
      this.phase = 'done';
      return;
    }
    const pieces = this.pieces;
    this.pieces = [];
    this.plaintextSeen += this.chunkLength;
    this.index += 1;
    this.phase = 'chunkHeader';
    for (const piece of pieces) emit(piece);
  }
}

/**
 * Streaming CTN2 decryption: container in (any split), plaintext out. Memory: one chunk's
 * plaintext (held until its tag verifies) plus 120 header bytes.
 */
export class Ctn2DecryptStream extends Transform {
  private readonly decoder: Ctn2Decoder;
  private readonly pushPlaintext = (plaintext: Buffer): void => {
    this.push(plaintext);
  };

  constructor(options: Ctn2DecryptOptions) {
    super();
    this.decoder = new Ctn2Decoder(options);
  }

  override _transform(data: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.write(typeof data === 'string' ? Buffer.from(data, encoding) : data, this.pushPlaintext);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.end();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}

export function createCtn2DecryptStream(options: Ctn2DecryptOptions): Ctn2DecryptStream {
  return new Ctn2DecryptStream(options);
}

/** One-shot decryption of a whole container in memory. Throws Ctn2Error subclasses. */
export function decryptCtn2(container: Uint8Array, options: Ctn2DecryptOptions): Buffer {
  const decoder = new Ctn2Decoder(options);
  const parts: Buffer[] = [];
  decoder.write(Buffer.from(container.buffer, container.byteOffset, container.byteLength), (p) => parts.push(p));
  decoder.end();
  return Buffer.concat(parts);
}
