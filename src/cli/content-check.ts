import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { sha256Hex } from '../keys/keys';

/** The largest object whose plaintext is kept to recognise a named (mutable) object: pointers and indexes are a few KiB. */
const NAMED_OBJECT_MAX_BYTES = 1024 * 1024;

export interface ContentCheck {
  /** Passes the plaintext through unchanged, hashing it. */
  readonly stream: Transform;
  /** After the stream ended: undefined when the content belongs under the key, else the content's SHA-256. */
  mismatch(): string | undefined;
}

/**
 * Checks plaintext against its storage key while it streams. A content-addressed object's key is
 * the SHA-256 of its plaintext. The only other objects are the mutable ones keyed by name from the
 * master key (Cotton's latest-backup pointer, SHA-256("database.ctn:" + key); our backup index
 * likewise): small JSON whose `logicalKey` names them, which only a holder of the key can place there.
 */
export function createContentCheck(key: string, masterEncryptionKey: Buffer): ContentCheck {
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      keptBytes += chunk.length;
      if (keptBytes <= NAMED_OBJECT_MAX_BYTES) kept.push(chunk);
      else kept.length = 0;
      done(null, chunk);
    },
  });
  return {
    stream,
    mismatch() {
      const actual = hash.digest('hex');
      if (actual === key) return undefined;
      const name = keptBytes <= NAMED_OBJECT_MAX_BYTES ? logicalKeyOf(Buffer.concat(kept)) : undefined;
      if (name !== undefined && sha256Hex(`${name}:${masterEncryptionKey.toString('base64')}`) === key) return undefined;
      return actual;
    },
  };
}

function logicalKeyOf(plaintext: Buffer): string | undefined {
  try {
    const parsed: unknown = JSON.parse(plaintext.toString('utf8'));
    const name = (parsed as { logicalKey?: unknown } | null)?.logicalKey;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
