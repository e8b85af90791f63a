/**
 * Typed CTN2 failures (COTTON.md §3). Every one is a hard error: the container is refused, never
 * guessed around. `code` is stable for programs; `message` names what was wrong for operators.
 */
export type Ctn2ErrorCode =
  | 'CTN2_LEGACY_CTN1'
  | 'CTN2_UNKNOWN_MAGIC'
  | 'CTN2_BAD_HEADER_LENGTH'
  | 'CTN2_KEY_ID_MISMATCH'
  | 'CTN2_HEADER_AUTHENTICATION_FAILED'
  | 'CTN2_CHUNK_AUTHENTICATION_FAILED'
  | 'CTN2_TRUNCATED'
  | 'CTN2_TRAILING_BYTES'
  | 'CTN2_LENGTH_MISMATCH'
  | 'CTN2_CHUNK_TOO_LARGE';

export class Ctn2Error extends Error {
  readonly code: Ctn2ErrorCode;

  constructor(code: Ctn2ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** `where` prefixes messages, e.g. "CTN2 object 3fa4…" — callers pass what identifies the stream. */
function at(where: string | undefined): string {
  return where ? `${where}: ` : '';
}

export class LegacyCtn1FormatError extends Ctn2Error {
  constructor(where?: string) {
    super(
      'CTN2_LEGACY_CTN1',
      `${at(where)}magic is "CTN1": CTN1 is Cotton's unsupported legacy format; only CTN2 containers can be read`,
    );
  }
}

export class UnknownMagicError extends Ctn2Error {
  readonly magic: Buffer;
  constructor(magic: Buffer, part: string, where?: string) {
    super(
      'CTN2_UNKNOWN_MAGIC',
      // The bytes found stay out of the message (they are the object's content, which may be anything
      // a symbolic link or an attacker pointed at): the `magic` property keeps them for programs.
      `${at(where)}${part} does not start with the magic "CTN2": not a CTN2 container, or corrupted`,
    );
    this.magic = Buffer.from(magic);
  }
}

export class BadHeaderLengthError extends Ctn2Error {
  constructor(part: string, actual: number, expected: number, where?: string) {
    super('CTN2_BAD_HEADER_LENGTH', `${at(where)}${part} declares header length ${actual}, expected ${expected}: corrupted container`);
  }
}

export class KeyIdMismatchError extends Ctn2Error {
  readonly keyId: number;
  readonly expectedKeyId: number;
  constructor(part: string, keyId: number, expectedKeyId: number, where?: string) {
    super(
      'CTN2_KEY_ID_MISMATCH',
      `${at(where)}${part} is encrypted under key id ${keyId}, but this reader holds key id ${expectedKeyId}`,
    );
    this.keyId = keyId;
    this.expectedKeyId = expectedKeyId;
  }
}

export class HeaderAuthenticationFailedError extends Ctn2Error {
  constructor(where?: string, options?: ErrorOptions) {
    super(
      'CTN2_HEADER_AUTHENTICATION_FAILED',
      `${at(where)}the file header failed authentication (AES-GCM unwrap of the data key): either the master ` +
        'encryption key is not the one this object was written with (check COTTON_MASTER_KEY), or the header ' +
        'was tampered with or corrupted — the two are cryptographically indistinguishable',
      options,
    );
  }
}

export class ChunkAuthenticationFailedError extends Ctn2Error {
  readonly chunkIndex: number;
  constructor(chunkIndex: number, terminator: boolean, where?: string, options?: ErrorOptions) {
    super(
      'CTN2_CHUNK_AUTHENTICATION_FAILED',
      `${at(where)}${terminator ? `terminator (chunk ${chunkIndex})` : `chunk ${chunkIndex}`} failed AES-GCM ` +
        'authentication: its ciphertext, tag or header was corrupted or tampered with',
      options,
    );
    this.chunkIndex = chunkIndex;
  }
}

export class TruncatedError extends Ctn2Error {
  readonly bytesRead: number;
  constructor(bytesRead: number, detail: string, where?: string) {
    super('CTN2_TRUNCATED', `${at(where)}container truncated: input ended after ${bytesRead} bytes, ${detail}`);
    this.bytesRead = bytesRead;
  }
}

export class TrailingBytesError extends Ctn2Error {
  readonly offset: number;
  constructor(offset: number, where?: string) {
    super('CTN2_TRAILING_BYTES', `${at(where)}unexpected bytes after the terminator, starting at offset ${offset}: corrupted container`);
    this.offset = offset;
  }
}

export class LengthMismatchError extends Ctn2Error {
  constructor(detail: string, where?: string) {
    super('CTN2_LENGTH_MISMATCH', `${at(where)}${detail}`);
  }
}

export class ChunkTooLargeError extends Ctn2Error {
  readonly chunkIndex: number;
  readonly declaredLength: bigint;
  constructor(chunkIndex: number, declaredLength: bigint, limit: number, where?: string) {
    super(
      'CTN2_CHUNK_TOO_LARGE',
      `${at(where)}chunk ${chunkIndex} header declares a plaintext length of ${declaredLength} bytes, outside ` +
        `0..${limit}: corrupted or hostile container (refused without allocating)`,
    );
    this.chunkIndex = chunkIndex;
    this.declaredLength = declaredLength;
  }
}
