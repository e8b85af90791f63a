/**
 * Cotton's own backup job (COTTON.md §4), re-implemented as the benchmarks' baseline:
 * `pg_dump --format=custom` with its default compression into a temp file, then fixed-size
 * chunks (16 MiB, Cotton's usual server setting), each hashed and written one after another
 * through the same storage pipeline (zstd → CTN2 → filesystem), then the manifest, then the
 * pointer replaced by delete-then-write. No events, no lock: just Cotton's steps.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pointerStorageKey, sha256Hex } from '../src/keys/keys';
import type { ObjectStorage } from '../src/storage/object-storage';
import { EXCLUDED_SCHEMAS } from '../plugins/backup/dump/pg-dump';
import { connectionArguments, runTool, type ConnectionTarget } from '../plugins/backup/dump/pg-tools';
import { formatTimeSpan } from '../plugins/backup/repository/manifest';

export const COTTON_CHUNK_SIZE = 16 * 1024 * 1024;

export interface CottonWayResult {
  backupId: string;
  manifestKey: string;
  dumpSizeBytes: number;
  chunkCount: number;
  newChunks: number;
  /** Stored bytes of the chunk objects this run wrote. */
  bytesWritten: number;
  /** Plaintext (compressed-dump) bytes of the chunk objects this run wrote. */
  newPlaintextBytes: number;
  dumpMs: number;
  durationMs: number;
}

export async function cottonWayBackup(
  target: ConnectionTarget,
  storage: ObjectStorage,
  masterEncryptionKey: Buffer,
  chunkSize = COTTON_CHUNK_SIZE,
): Promise<CottonWayResult> {
  const started = performance.now();
  const backupId = randomUUID().replaceAll('-', '');
  const createdAt = new Date();
  const dir = await mkdtemp(join(tmpdir(), 'bench-cotton-way-'));
  const dumpFile = join(dir, 'database.dump');
  try {
    const args = [
      '--format=custom',
      ...EXCLUDED_SCHEMAS.map((schema) => `--exclude-schema=${schema}`),
      ...connectionArguments(target),
      '--file',
      dumpFile,
      '--dbname',
      target.database,
    ];
    const dump = runTool('pg_dump', args, target);
    dump.stdout.resume();
    await dump.done;
    const dumpMs = performance.now() - started;

    const whole = createHash('sha256');
    const chunks: { order: number; storageKey: string; sizeBytes: number }[] = [];
    let dumpSizeBytes = 0;
    let newChunks = 0;
    let bytesWritten = 0;
    let newPlaintextBytes = 0;
    const file = await open(dumpFile, 'r');
    try {
      const buffer = Buffer.allocUnsafe(chunkSize);
      for (;;) {
        // Fill a whole fixed-size chunk (a read may return less than asked).
        let filled = 0;
        while (filled < chunkSize) {
          const { bytesRead } = await file.read(buffer, filled, chunkSize - filled, null);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        if (filled === 0) break;
        const chunk = buffer.subarray(0, filled);
        whole.update(chunk);
        const storageKey = sha256Hex(chunk);
        const { written, storedBytes } = await storage.write(storageKey, chunk);
        if (written) {
          newChunks++;
          bytesWritten += storedBytes;
          newPlaintextBytes += filled;
        }
        chunks.push({ order: chunks.length, storageKey, sizeBytes: filled });
        dumpSizeBytes += filled;
        if (filled < chunkSize) break;
      }
    } finally {
      await file.close();
    }

    const manifest = {
      schemaVersion: 1,
      backupId,
      createdAtUtc: createdAt.toISOString(),
      contains: 'postgres_database_dump',
      dumpFormat: 'pg_dump_custom',
      sourceDatabase: target.database,
      sourceHost: target.host,
      sourcePort: String(target.port),
      hashAlgorithm: 'SHA256',
      chunkSizeBytes: chunkSize,
      dumpSizeBytes,
      dumpContentHash: whole.digest('hex'),
      chunkCount: chunks.length,
      elapsed: formatTimeSpan(performance.now() - started),
      chunks,
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
    const manifestKey = sha256Hex(manifestBytes);
    await storage.write(manifestKey, manifestBytes);
    // Cotton replaces the pointer by delete-then-write.
    const pointerKey = pointerStorageKey(masterEncryptionKey);
    await storage.delete(pointerKey);
    const pointer = {
      schemaVersion: 1,
      logicalKey: 'database.ctn',
      updatedAtUtc: new Date().toISOString(),
      latestManifestStorageKey: manifestKey,
      latestBackupId: backupId,
    };
    await storage.write(pointerKey, Buffer.from(JSON.stringify(pointer), 'utf8'));
    return {
      backupId,
      manifestKey,
      dumpSizeBytes,
      chunkCount: chunks.length,
      newChunks,
      bytesWritten,
      newPlaintextBytes,
      dumpMs: Math.round(dumpMs),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
