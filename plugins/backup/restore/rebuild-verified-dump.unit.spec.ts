import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStorage } from '../../../src/storage/open/create-storage';
import type { StorageBackend } from '../../../src/storage/backend/storage-backend';
import { createPipelineStorage } from '../../../src/storage/pipeline/pipeline';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { Manifest } from '../repository/manifest';
import { DECODE_AHEAD_CHUNKS } from './decode-chunks-ahead';
import { DECODE_RING_BYTES, rebuildVerifiedDump } from './rebuild-verified-dump';
import { RestoreRejectedError } from '../repository/restore-rejection';
import { rebuildWithOffsetScan } from './rebuild-with-offset-scan';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A manifest over `parts` stored as chunks (the fields restore does not read are plausible constants). */
async function storeDump(storage: ObjectStorage, parts: Buffer[]): Promise<Manifest> {
  for (const part of parts) await storage.write(sha256(part), part);
  const dump = Buffer.concat(parts);
  return {
    schemaVersion: 1, backupId: 'b'.repeat(32), createdAtUtc: '2026-01-01T00:00:00Z', contains: 'postgres_database_dump', dumpFormat: 'pg_dump_custom',
    sourceDatabase: 'x', sourceHost: 'h', sourcePort: '5432', hashAlgorithm: 'SHA256', chunkSizeBytes: 1024 * 1024, dumpSizeBytes: dump.length,
    dumpContentHash: sha256(dump), chunkCount: parts.length, elapsed: '00:00:00.0000000',
    chunks: parts.map((part, order) => ({ order, storageKey: sha256(part), sizeBytes: part.length })),
  };
}

/**
 * The real folder storage, with the read of `slow` objects held back before its first byte and
 * a count of reads under way (from the call until the object's stream closed or its bytes were
 * read), whether the read goes through the pipeline (a chunk read in the main thread) or to the
 * backend (a chunk for the decode workers).
 */
function observed(storage: ObjectStorage, slow: Set<string>, holdUntil?: Promise<void>) {
  const seen = { open: 0, maxOpen: 0, started: [] as string[], ended: [] as string[] };
  const backend = storage.backend!;
  const start = async (key: string) => {
    seen.started.push(key);
    seen.open++;
    seen.maxOpen = Math.max(seen.maxOpen, seen.open);
    if (slow.has(key)) await (holdUntil ?? sleep(150));
  };
  const watch = async (key: string, open: () => Promise<Readable>) => {
    await start(key);
    const stream = await open();
    stream.once('close', () => seen.open--);
    stream.once('end', () => seen.ended.push(key));
    return stream;
  };
  const wrappedBackend: StorageBackend = Object.assign(Object.create(backend) as StorageBackend, {
    openRead: (key: string) => watch(key, () => backend.openRead(key)),
    readInto: async (key: string, out: Uint8Array, offset: number, maxBytes: number, signal?: AbortSignal) => {
      await start(key);
      try {
        const length = await backend.readInto!(key, out, offset, maxBytes, signal);
        seen.ended.push(key);
        return length;
      } finally {
        seen.open--;
      }
    },
  });
  const wrapped: ObjectStorage = { ...storage, read: (key) => watch(key, () => storage.read(key)), backend: wrappedBackend };
  return { storage: wrapped, seen };
}

describe('rebuildVerifiedDump reads ahead, checks and writes in order', () => {
  let dir: string;
  let storage: ObjectStorage;
  const key = randomBytes(32);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuild-dump-'));
    storage = createStorage({ root: join(dir, 'objects'), masterEncryptionKey: key });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads later chunks while an earlier one is slow, never more than DECODE_AHEAD_CHUNKS at once, and writes them in manifest order', async () => {
    const parts = Array.from({ length: 20 }, (_, i) => randomBytes(200_000 + i * 1000));
    const manifest = await storeDump(storage, parts);
    const { storage: slowFirst, seen } = observed(storage, new Set([manifest.chunks[0]!.storageKey]));
    const destination = join(dir, 'dump');
    const verified = await rebuildVerifiedDump(slowFirst, manifest, 'm'.repeat(64), { destination });
    expect(seen.maxOpen).toBeGreaterThan(1);
    expect(seen.maxOpen).toBeLessThanOrEqual(DECODE_AHEAD_CHUNKS);
    expect(seen.started).toEqual(manifest.chunks.map((c) => c.storageKey));
    expect(await readFile(destination)).toEqual(Buffer.concat(parts));
    expect(verified).toMatchObject({ bytes: manifest.dumpSizeBytes, sha256: manifest.dumpContentHash });
  });

  it('names the first damaged chunk in manifest order, though a later one failed first', async () => {
    const parts = Array.from({ length: 6 }, () => randomBytes(100_000));
    const manifest = await storeDump(storage, parts);
    // Chunk 1 is slow and holds another chunk's bytes; chunk 3 is missing and fails at once.
    const [c1, c3] = [manifest.chunks[1]!, manifest.chunks[3]!];
    const other = randomBytes(c1.sizeBytes);
    await storage.write(c1.storageKey, other, { overwrite: true });
    await storage.delete(c3.storageKey);
    const { storage: slow } = observed(storage, new Set([c1.storageKey]));
    const error = await rebuildVerifiedDump(slow, manifest, 'm'.repeat(64)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestoreRejectedError);
    expect(error).toMatchObject({ reason: 'hash_mismatch', keys: { chunkKey: c1.storageKey } });
  });

  it('streams a chunk larger than the decode ring in its turn, between chunks read ahead', async () => {
    const parts = [randomBytes(300_000), randomBytes(DECODE_RING_BYTES + 1), randomBytes(300_000), randomBytes(5)];
    const manifest = await storeDump(storage, parts);
    const { storage: counted, seen } = observed(storage, new Set());
    const destination = join(dir, 'dump');
    const verified = await rebuildVerifiedDump(counted, manifest, 'm'.repeat(64), { destination });
    expect(seen.started).toEqual(manifest.chunks.map((c) => c.storageKey));
    expect((await readFile(destination)).equals(Buffer.concat(parts))).toBe(true);
    expect(verified).toMatchObject({ bytes: manifest.dumpSizeBytes, sha256: manifest.dumpContentHash });
  });

  it.each(['a rejected chunk', 'the caller aborting'])('stops the reads ahead on %s: none of them is read to its end', async (cause) => {
    const parts = Array.from({ length: 8 }, () => randomBytes(100_000));
    const manifest = await storeDump(storage, parts);
    const later = manifest.chunks.slice(1).map((c) => c.storageKey);
    // The later reads are held back until the rebuild has given up, then let go: none may go on to its end.
    let letGo!: () => void;
    const { storage: slowLater, seen } = observed(storage, new Set(later), new Promise<void>((resolve) => (letGo = resolve)));
    const abort = new AbortController();
    if (cause === 'a rejected chunk') await storage.write(manifest.chunks[0]!.storageKey, randomBytes(100_000), { overwrite: true });
    const error = await rebuildVerifiedDump(slowLater, manifest, 'm'.repeat(64), {
      destination: join(dir, 'dump'),
      signal: abort.signal,
      onProgress: (p) => p.chunksDone === 1 && abort.abort(new Error('stop')),
    }).catch((e: unknown) => e);
    letGo();
    expect(error).toMatchObject(cause === 'a rejected chunk' ? { reason: 'hash_mismatch' } : { message: 'stop' });
    await sleep(200); // a read left running would have ended by now
    expect(seen.started.length).toBeGreaterThan(1);
    expect(seen.ended.filter((key) => later.includes(key))).toEqual([]);
    expect(seen.open).toBe(0);
  });

  it.each([
    ['a connection cut while its bytes arrive (the storage says a retry may pass)', false],
    ['an error the storage calls permanent', true],
  ])('a chunk that fails with %s: the restore fails with that error, or refuses the backup', async (_, permanent) => {
    const parts = Array.from({ length: 3 }, () => randomBytes(100_000));
    const manifest = await storeDump(storage, parts);
    const cut = manifest.chunks[1]!.storageKey;
    const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const folder = storage.backend!;
    // The folder, seen as a storage that streams through the main thread (as S3 does), whose read of one object is cut after its first bytes.
    const backend = new Proxy(folder, {
      get(target, name) {
        if (name === 'readInto') return undefined;
        if (name === 'isPermanent') return (error: unknown) => permanent || (error as { code?: string }).code !== 'ECONNRESET';
        if (name === 'openRead') {
          return async (key: string) => {
            const stream = await target.openRead(key);
            if (key !== cut) return stream;
            return Readable.from((async function* () {
              for await (const piece of stream) {
                yield piece;
                throw reset();
              }
            })());
          };
        }
        const value = Reflect.get(target, name, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const streaming = createPipelineStorage(backend, { masterEncryptionKey: key });
    const error = await rebuildVerifiedDump(streaming, manifest, 'm'.repeat(64), { destination: join(dir, 'dump') }).catch((e: unknown) => e);
    if (permanent) {
      expect(error).toBeInstanceOf(RestoreRejectedError);
      expect(error).toMatchObject({ reason: 'decryption_failure', keys: { chunkKey: cut } });
    } else {
      expect(error).not.toBeInstanceOf(RestoreRejectedError);
      expect(error).toMatchObject({ code: 'ECONNRESET' });
    }
  });

  it.each([
    ['an empty dump', []],
    ['a dump shorter than its header', [Buffer.from('PGD')]],
  ])('with the offset scan alongside, %s ends the scan with an error instead of waiting for ever', async (_, parts: Buffer[]) => {
    const manifest = await storeDump(storage, parts);
    const { verified, scan } = await rebuildWithOffsetScan(storage, manifest, 'm'.repeat(64), { destination: join(dir, 'dump') });
    expect(verified.bytes).toBe(Buffer.concat(parts).length);
    expect(scan).toBeInstanceOf(Error);
  });
});
