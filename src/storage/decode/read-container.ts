import { addAbortSignal, type Readable } from 'node:stream';
import type { StorageBackend } from '../backend/storage-backend';

/**
 * Container bytes one object can take for `plaintextLimit` bytes of plaintext: zstd's worst-case
 * expansion (an incompressible block costs a few bytes per 128 KiB) plus CTN2's headers and tags.
 */
export function containerLimit(plaintextLimit: number): number {
  return plaintextLimit + Math.ceil(plaintextLimit / 128) + 64 * 1024;
}

/**
 * An object's container bytes, from any backend, into `out` at `offset`: read there directly where
 * the backend can (readInto), else copied as they arrive, so that no buffer outlives the read;
 * their length, or undefined when the object holds more
 * than `maxBytes` (the read stops there: a planted giant object costs no memory). Not-found and
 * read errors reject as the backend raised them; `signal` ends a read under way at once.
 */
export async function readContainerInto(
  backend: StorageBackend,
  key: string,
  out: Buffer,
  offset: number,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<number | undefined> {
  signal?.throwIfAborted();
  if (backend.readInto) return backend.readInto(key, out, offset, maxBytes, signal);
  const stream: Readable = await backend.openRead(key);
  if (signal) addAbortSignal(signal, stream);
  let total = 0;
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      if (total + piece.length > maxBytes) return undefined;
      piece.copy(out, offset + total);
      total += piece.length;
    }
  } finally {
    if (!stream.destroyed) stream.destroy();
  }
  return total;
}
