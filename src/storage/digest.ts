import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface StreamDigest {
  /** Lowercase hex SHA-256. */
  sha256: string;
  length: number;
}

/** SHA-256 and byte length of a whole stream (consumes it). */
export async function digestStream(source: AsyncIterable<Uint8Array | string>): Promise<StreamDigest> {
  const hash = createHash('sha256');
  let length = 0;
  for await (const piece of source) {
    const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
    hash.update(bytes);
    length += bytes.length;
  }
  return { sha256: hash.digest('hex'), length };
}

/** A pass-through that hashes what flows through it; `digest()` is available after 'finish'. */
export class HashingPassThrough extends Transform {
  readonly #hash = createHash('sha256');
  #length = 0;
  #result: StreamDigest | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#length += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#result = { sha256: this.#hash.digest('hex'), length: this.#length };
    callback();
  }

  digest(): StreamDigest {
    if (!this.#result) throw new Error('HashingPassThrough.digest() called before the stream ended');
    return this.#result;
  }
}
