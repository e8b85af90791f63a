import { createHash } from 'node:crypto';
import { pointerStorageKey } from '../../../src/keys/keys';
import { TruncatedError, Ctn2Error } from '../../../src/storage/ctn2/errors';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { VERIFICATION_PROBLEMS } from '../events/vocabulary';
import { listKnownManifests } from '../repository/backup-index';
import { backupsNewerThanPointer, pointerBehindDetail } from '../repository/pointer-rollback';
import { readChunk, type ChunkRead } from '../repository/read-chunk';
import type { Manifest } from '../repository/manifest';
import { discoverLatestBackup, loadManifest } from '../repository/discover-latest-backup';
import { RestoreRejectedError } from '../repository/restore-rejection';
import type { ClientBase, Pool } from 'pg';
import { missingFileChunks } from '../file-chunks/missing-file-chunks';

export type ProblemKind = (typeof VERIFICATION_PROBLEMS)[number];

/** One thing wrong with one stored object. */
export interface VerificationProblem {
  key: string;
  problem: ProblemKind;
  detail: string;
}

export interface VerificationReport {
  backupId?: string;
  manifestKey?: string;
  chunkCount: number;
  /** Plaintext bytes read and checked. */
  bytes: number;
  /** SHA-256 of the whole dump as read (only when every chunk was readable). */
  sha256?: string;
  durationMs: number;
  problems: VerificationProblem[];
}

export interface VerifyOptions {
  /** A backup known to the pointer or the backup index; default the pointer's. */
  backupId?: string;
  onChunk?: (done: number, total: number) => void;
  /** The plugin's database: also check that the file chunks the backup's database referenced exist. */
  recordings?: Pool | ClientBase;
}

/**
 * Reads a backup end to end, the way a restore would, without writing anything: the manifest,
 * then every chunk through the pipeline (decryption, decompression), each checked against its
 * key and size, then the whole against the manifest. Unlike a restore it does not stop at the
 * first problem: every damaged object is reported, once, by key.
 */
export async function verifyBackup(storage: ObjectStorage, masterEncryptionKey: Buffer, options: VerifyOptions = {}): Promise<VerificationReport> {
  const started = performance.now();
  const report = (partial: Partial<VerificationReport> & { problems: VerificationProblem[] }): VerificationReport => ({
    chunkCount: 0,
    bytes: 0,
    durationMs: Math.round(performance.now() - started),
    ...partial,
  });
  let manifestKey: string;
  let manifest: Manifest;
  let pointerProblem: VerificationProblem | undefined;
  try {
    if (options.backupId) {
      const entry = (await listKnownManifests(storage, masterEncryptionKey)).find((e) => e.backupId === options.backupId);
      if (!entry) {
        return report({ backupId: options.backupId, problems: [{ key: options.backupId, problem: 'missing', detail: `no backup ${options.backupId} is known to the pointer or the backup index` }] });
      }
      manifestKey = entry.manifestKey;
      manifest = await loadManifest(storage, manifestKey);
    } else {
      const latest = await discoverLatestBackup(storage, masterEncryptionKey);
      ({ manifestKey, manifest } = latest);
      // The pointer's backup may verify and still not be the latest one: say so (a restore refuses it).
      const newer = await backupsNewerThanPointer(storage, masterEncryptionKey, latest.pointer);
      if (newer.length > 0) pointerProblem = { key: latest.pointerKey, problem: 'pointer_behind', detail: pointerBehindDetail(latest.pointer, newer) };
    }
  } catch (error) {
    if (!(error instanceof RestoreRejectedError)) throw error;
    const key = error.keys.manifestKey ?? pointerStorageKey(masterEncryptionKey);
    const problem: ProblemKind = error.reason === 'no_pointer' || error.reason === 'missing_manifest' ? 'missing' : 'unreadable';
    return report({ backupId: options.backupId, problems: [{ key, problem, detail: error.detail }] });
  }
  const problems = await verifyChunks(storage, manifest, manifestKey, options.onChunk);
  if (options.recordings) {
    for (const key of (await missingFileChunks(options.recordings, storage, manifest.backupId)).missing) {
      problems.list.push({ key, problem: 'missing_file_chunk', detail: 'a file chunk the backup\'s database references does not exist in storage: a restore would list a file without its bytes' });
    }
  }
  return report({
    backupId: manifest.backupId,
    manifestKey,
    chunkCount: manifest.chunkCount,
    bytes: problems.bytes,
    sha256: problems.sha256,
    problems: [...(pointerProblem ? [pointerProblem] : []), ...problems.list],
  });
}

async function verifyChunks(storage: ObjectStorage, manifest: Manifest, manifestKey: string, onChunk?: (done: number, total: number) => void) {
  const whole = createHash('sha256');
  const list: VerificationProblem[] = [];
  const reported = new Set<string>();
  const add = (p: VerificationProblem) => {
    if (reported.has(p.key)) return;
    reported.add(p.key);
    list.push(p);
  };
  let bytes = 0;
  for (const [index, chunk] of manifest.chunks.entries()) {
    let read: ChunkRead;
    try {
      read = await readChunk(storage, chunk.storageKey, chunk.sizeBytes, (piece) => list.length === 0 && whole.update(piece));
    } catch (error) {
      add({ key: chunk.storageKey, ...classifyReadError(error, chunk.order) });
      onChunk?.(index + 1, manifest.chunks.length);
      continue;
    }
    const { length, sha256: actual } = read;
    bytes += length;
    if (length !== chunk.sizeBytes) {
      add({ key: chunk.storageKey, problem: 'size_mismatch', detail: `chunk ${chunk.order} holds ${read.oversized ? 'more than' : length} bytes, the manifest says ${chunk.sizeBytes}` });
    } else if (actual !== chunk.storageKey) {
      add({ key: chunk.storageKey, problem: 'hash_mismatch', detail: `chunk ${chunk.order} hashes to ${actual}, not to its key` });
    }
    onChunk?.(index + 1, manifest.chunks.length);
  }
  let sha256: string | undefined;
  if (list.length === 0) {
    sha256 = whole.digest('hex');
    if (bytes !== manifest.dumpSizeBytes) {
      add({ key: manifestKey, problem: 'size_mismatch', detail: `the chunks add up to ${bytes} bytes, the manifest says ${manifest.dumpSizeBytes}` });
    } else if (sha256 !== manifest.dumpContentHash) {
      add({ key: manifestKey, problem: 'hash_mismatch', detail: `the dump hashes to ${sha256}, the manifest says ${manifest.dumpContentHash}` });
    }
  }
  return { list, bytes, sha256 };
}

function classifyReadError(error: unknown, order: number): { problem: ProblemKind; detail: string } {
  const err = error as Error & { code?: string };
  if (err?.name === 'ObjectNotFoundError' || err?.code === 'ENOENT') return { problem: 'missing', detail: `chunk ${order} does not exist in storage` };
  if (error instanceof TruncatedError) return { problem: 'truncated', detail: `chunk ${order}: ${err.message}` };
  if (error instanceof Ctn2Error) return { problem: 'unreadable', detail: `chunk ${order}: ${err.message}` };
  return { problem: 'unreadable', detail: `chunk ${order} is unreadable: ${err?.message ?? String(error)}` };
}
