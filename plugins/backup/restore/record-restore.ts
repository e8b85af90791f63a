import type { Pool } from 'pg';
import { readStream, type NewEvent } from '../events';
import type { Journal } from '../projections/journal';
import type { Manifest } from '../repository/manifest';

/**
 * The dump was taken while its own backup ran, so the restored event log holds that backup's
 * stream only up to BackupStarted (a dump made by Cotton's own job holds no stream at all). What
 * followed is re-recorded from the manifest — Dumped, Chunked, ManifestCommitted, PointerAdvanced,
 * and BackupStarted when even that is missing — marked `rerecorded` (metadata, and data where the
 * vocabulary has the field), so history reads whole and says which facts are reconstructed.
 * Values the manifest cannot know (durations, new/reused split) are 0 and listed in `unknown`.
 * Idempotent: only the missing events are appended. Returns the types appended.
 */
export async function rerecordBackupHistory(pool: Pool, journal: Journal, manifest: Manifest, manifestKey: string, restoreId: string): Promise<string[]> {
  const stream = await readStream(pool, manifest.backupId);
  const has = (type: string) => stream.some((e) => e.type === type);
  const metadata = (unknown: string[] = []) => ({ rerecorded: true, restoreId, source: 'manifest', ...(unknown.length ? { unknown } : {}) });
  const previousManifestKey = manifest.previousManifestStorageKey ?? null;
  const missing: NewEvent[] = [];
  if (stream.length === 0) {
    const fixed = { minBytes: manifest.chunkSizeBytes, avgBytes: manifest.chunkSizeBytes, maxBytes: manifest.chunkSizeBytes };
    const port = /^\d{1,5}$/.test(manifest.sourcePort) ? manifest.sourcePort : '0';
    missing.push({
      type: 'BackupStarted',
      data: {
        backupId: manifest.backupId,
        requestIds: [],
        database: manifest.sourceDatabase || 'unknown',
        host: manifest.sourceHost || 'unknown',
        port,
        chunking: manifest.chunking ? { minBytes: manifest.chunking.minBytes, avgBytes: manifest.chunking.avgBytes, maxBytes: manifest.chunking.maxBytes } : fixed,
      },
      metadata: { ...metadata(['requestIds']), producer: manifest.producer ?? 'cotton', createdAtUtc: manifest.createdAtUtc },
    });
  }
  if (!has('Dumped')) {
    missing.push({
      type: 'Dumped',
      data: {
        pgDumpVersion: manifest.pgDumpVersion ?? 'unknown',
        serverVersion: manifest.serverVersion ?? 'unknown',
        bytes: manifest.dumpSizeBytes,
        sha256: manifest.dumpContentHash,
        durationMs: 0,
      },
      metadata: metadata(['durationMs', ...(manifest.pgDumpVersion ? [] : ['pgDumpVersion', 'serverVersion'])]),
    });
  }
  if (!has('Chunked')) {
    missing.push({
      type: 'Chunked',
      data: { chunkCount: manifest.chunkCount, newChunks: 0, reusedChunks: 0, newPlaintextBytes: 0, reusedPlaintextBytes: 0, bytesWritten: 0 },
      metadata: metadata(['newChunks', 'reusedChunks', 'newPlaintextBytes', 'reusedPlaintextBytes', 'bytesWritten']),
    });
  }
  if (!has('ManifestCommitted')) {
    missing.push({ type: 'ManifestCommitted', data: { backupId: manifest.backupId, manifestKey, previousManifestKey, rerecorded: true }, metadata: metadata() });
  }
  if (!has('PointerAdvanced')) {
    missing.push({ type: 'PointerAdvanced', data: { backupId: manifest.backupId, previousManifestKey, manifestKey, rerecorded: true }, metadata: metadata() });
  }
  if (missing.length > 0) {
    await journal.append(manifest.backupId, missing, { expectedVersion: stream.length === 0 ? 'no_stream' : BigInt(stream.length) });
  }
  return missing.map((e) => e.type);
}
