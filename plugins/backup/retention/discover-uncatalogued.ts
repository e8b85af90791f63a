import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { pointerStorageKey } from '../../../src/keys/keys';
import { ConcurrencyError } from '../events/errors';
import { readBackupIndex, recordInBackupIndex } from '../repository/backup-index';
import { readManifest, readPointer } from '../repository/manifest-store';
import type { Journal } from '../projections/journal';
import { BACKUP_KNOWN, CATALOGUED_AMONG } from './sql';

export interface DiscoveryContext {
  pool: Pool;
  journal: Journal;
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  logger?: Logger;
}

/** Where a manifest key came from: the pointer (Cotton's own job moves it too) or the backup index. */
export interface ManifestRef {
  manifestKey: string;
  /** When known beforehand, a catalogued backup costs no storage read. */
  backupId?: string;
  from: 'pointer' | 'index';
}

/**
 * A backup in storage the catalogue has no record of — Cotton's own job's, or one of ours whose
 * events a restore to an older state took away — is recorded as BackupDiscovered, so retention
 * keeps it like the others, and added to the backup index, so `restore --backup <id>` and the
 * fallback still find it once the pointer moves on. Returns its id when it was new. An unreadable
 * manifest is left for the next run (an index entry's is normal: an expired backup, collected).
 */
export async function discoverBackup(ctx: DiscoveryContext, ref: ManifestRef): Promise<string | undefined> {
  if (ref.backupId && (await isCatalogued(ctx.pool, ref.backupId))) return undefined;
  let manifest;
  try {
    manifest = await readManifest(ctx.storage, ref.manifestKey);
  } catch (error) {
    const level = ref.from === 'pointer' ? 'warn' : 'debug';
    ctx.logger?.[level]({ manifestKey: ref.manifestKey, err: (error as Error).message }, `a manifest the ${ref.from} names cannot be read; not catalogued`);
    return undefined;
  }
  if (await isCatalogued(ctx.pool, manifest.backupId)) return undefined;
  try {
    await ctx.journal.append(manifest.backupId, [{
      type: 'BackupDiscovered',
      data: {
        backupId: manifest.backupId,
        manifestKey: ref.manifestKey,
        createdAtUtc: manifest.createdAtUtc,
        sourceDatabase: manifest.sourceDatabase.slice(0, 200),
        dumpSizeBytes: manifest.dumpSizeBytes,
        chunkCount: manifest.chunkCount,
        producer: manifest.producer?.slice(0, 100) ?? null,
      },
    }], { expectedVersion: 'no_stream' });
  } catch (error) {
    if (error instanceof ConcurrencyError) return undefined; // another host discovered it first
    throw error;
  }
  if (ref.from === 'pointer') {
    await recordInBackupIndex(ctx.storage, ctx.masterEncryptionKey, { manifestKey: ref.manifestKey, backupId: manifest.backupId, createdAtUtc: manifest.createdAtUtc });
  }
  ctx.logger?.info({ backupId: manifest.backupId, manifestKey: ref.manifestKey, producer: manifest.producer ?? 'cotton' }, 'catalogued a backup found in storage; retention keeps it like the others');
  return manifest.backupId;
}

/**
 * Every backup storage names that the catalogue lacks: the pointer's, the pointers a backup of
 * ours replaced (`replaced`), and the backup index's entries. Returns the ids catalogued now.
 */
export async function discoverUncatalogued(ctx: DiscoveryContext, pointer: { manifestKey: string; backupId: string } | undefined, replaced: readonly (string | null)[]): Promise<string[]> {
  const refs: ManifestRef[] = [
    ...replaced.flatMap((k) => (k ? [{ manifestKey: k, from: 'pointer' as const }] : [])),
    ...(pointer ? [{ ...pointer, from: 'pointer' as const }] : []),
    ...(await readBackupIndex(ctx.storage, ctx.masterEncryptionKey).catch(() => [])).map((e) => ({ manifestKey: e.manifestKey, backupId: e.backupId, from: 'index' as const })),
  ];
  const ids = refs.flatMap((r) => (r.backupId ? [r.backupId] : []));
  const known = new Set((await ctx.pool.query<{ backup_id: string }>(CATALOGUED_AMONG, [ids])).rows.map((r) => r.backup_id));
  const found: string[] = [];
  for (const ref of refs.filter((r) => !r.backupId || !known.has(r.backupId))) {
    const id = await discoverBackup(ctx, ref);
    if (id) found.push(id);
  }
  return found;
}

async function isCatalogued(pool: Pool, backupId: string): Promise<boolean> {
  const { rows } = await pool.query<{ known: boolean }>(BACKUP_KNOWN, [backupId]);
  return rows[0]?.known === true;
}

/** What the latest-backup pointer names now: its manifest key and backup id, or undefined. readPointer, plus retention's leniency: unreadable is logged and treated as none. */
export async function currentPointer(ctx: DiscoveryContext): Promise<{ manifestKey: string; backupId: string } | undefined> {
  const pointer = await readPointer(ctx.storage, pointerStorageKey(ctx.masterEncryptionKey)).catch((error: Error) => {
    ctx.logger?.warn({ err: error.message }, 'the latest-backup pointer is unreadable');
    return undefined;
  });
  return pointer && { manifestKey: pointer.latestManifestStorageKey, backupId: pointer.latestBackupId };
}
