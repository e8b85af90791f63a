/**
 * What a second backup adds after a day of changes, and what the chunk size trades: each chunk size
 * of CHUNK_SWEEP gets a storage root of its own, a first backup, a restore of it, then a second
 * backup after each day of changes.
 */
import { join } from 'node:path';
import type { ChunkingParameters } from '../plugins/backup/chunking/fastcdc';
import type { ChangePattern } from './dataset';
import type { ChunkingRun, SecondBackup } from './results';
import { chunkingEnv, chunkingLabel } from './scales';
import { fmtBytes, fmtMs } from './stats';
import { createDatabase, dropOwnedDatabase, log, newObjectBytes, objectSizes, removeDir, runWorker, tempDir, totalSize } from './tools';

/** A storage root that backups of one method (ours with some chunking, or Cotton's way) go to. */
export interface BackupRoot {
  op: 'backup' | 'cotton';
  root: string;
  env?: Record<string, string>;
  /** Stored bytes after its first backup: what "new stored bytes" is a share of. */
  firstStoredBytes: number;
}

/** One more backup into `target`, and what it added (plaintext and stored), both as shares like for like. */
export async function secondBackup(source: string, target: BackupRoot): Promise<SecondBackup> {
  const files = join(target.root, 'files');
  const before = await objectSizes(files);
  const result = await runWorker({ op: target.op, database: source, storageRoot: files, dataPath: join(target.root, 'data'), env: target.env });
  const added = newObjectBytes(before, await objectSizes(files));
  const dumpBytes = Number(result.details.dumpSizeBytes);
  const newPlaintextBytes = Number(result.details.newPlaintextBytes);
  return {
    dumpBytes,
    newPlaintextBytes,
    newObjectBytes: added.bytes,
    newObjects: added.objects,
    durationMs: result.durationMs,
    plaintextPercent: (100 * newPlaintextBytes) / dumpBytes,
    storedPercent: (100 * added.bytes) / target.firstStoredBytes,
  };
}

/** A chunk size's own root, first backup and restore; its days are filled in by the caller. */
export interface SweepEntry {
  run: ChunkingRun;
  target: BackupRoot;
}

export async function startChunkingRun(scale: string, source: string, chunking: ChunkingParameters): Promise<SweepEntry> {
  const root = await tempDir('ours-sweep');
  const env = chunkingEnv(chunking);
  const first = await runWorker({ op: 'backup', database: source, storageRoot: join(root, 'files'), dataPath: join(root, 'data'), env });
  const sizes = await objectSizes(join(root, 'files'));
  const db = await createDatabase('rst');
  const work = await tempDir('restore-data');
  const restore = await runWorker({ op: 'restore', database: db, storageRoot: join(root, 'files'), dataPath: work, env });
  await removeDir(work);
  await dropOwnedDatabase(db);
  const storedBytes = totalSize(sizes);
  log(`${scale} ${chunkingLabel(chunking)}: first backup ${fmtMs(first.durationMs)}, ${sizes.size} objects, ${fmtBytes(storedBytes)}; restore ${fmtMs(restore.durationMs)}`);
  return {
    run: { chunking, firstBackupMs: first.durationMs, storedBytes, objects: sizes.size, peakRssBytes: first.peakRssBytes, restoreMs: restore.durationMs, days: [] },
    target: { op: 'backup', root, env, firstStoredBytes: storedBytes },
  };
}

export function recordDay(entry: SweepEntry, pattern: ChangePattern, second: SecondBackup): void {
  entry.run.days.push({ pattern, second });
}
