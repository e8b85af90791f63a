import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import type { HostConfig } from '../../src/config/config';
import type { Host } from '../../src/host/host';
import { resolve } from '../../src/contract/tokens';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../src/keys/keys';
import type { StorageBackend } from '../../src/storage/backend/storage-backend';
import type { ObjectStorage } from '../../src/storage/object-storage';
import { serializeManifest, type Manifest } from '../../plugins/backup/repository/manifest';
import { readManifest, writePointer } from '../../plugins/backup/repository/manifest-store';
import { REFUSED_TITLE } from '../../plugins/backup/notifications/restore-refused';
import { RESTORED_TITLE } from '../../plugins/backup/notifications/restore-completed';
import { isCottonDatabaseEmpty } from '../../plugins/backup/restore/database-state';
import type { RejectionReason } from '../../plugins/backup/repository/restore-rejection';
import { runBackup, type BackupOutcome } from '../../plugins/backup/take-backup/run-backup';
import { BackupTokens } from '../../plugins/backup/runtime/tokens';
import { ADMIN_ID, appendBulkRows, seedCottonDatabase, snapshotTables } from '../support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import {
  cottonNotifications,
  createEmptyTarget,
  MASTER_KEY,
  newHost,
  OTHER_MASTER_KEY,
  REPO,
  restoreEvents,
  SECOND_ADMIN_ID,
  snapshotWithoutNotices,
} from './fixtures';

/**
 * The restore corruption matrix, one definition for every storage backend: the damage is done
 * through the backend's own interface (raw container bytes) or the pipeline over it, as someone
 * with write access to the folder or the bucket can, so the folder and S3 run the same cases with
 * the same expectations (corruption-matrix.int.spec.ts, corruption-matrix-s3.int.spec.ts).
 */

/** The pipeline over one place, with the raw backend under it. */
export type Damageable = ObjectStorage & { readonly backend: StorageBackend };

/** Where a matrix keeps its objects: the original backups' place, or one case's copy of it. */
export interface StoragePlace {
  /** The pipeline (MASTER_KEY) over this place. */
  readonly storage: Damageable;
  /** A host configuration for `db` over this place, plus `env`. */
  hostConfig(db: Pick<TestDatabase, 'env'>, env?: Record<string, string>): HostConfig;
  /** Another place holding a copy of every object of this one (each case damages its own). */
  copy(): Promise<StoragePlace>;
  dispose(): Promise<void>;
}

export interface Backups {
  b1: BackupOutcome;
  b2: BackupOutcome;
  m1: Manifest;
  m2: Manifest;
  /** A chunk only the latest backup uses (a previous backup can help when it is damaged). */
  onlyLatest: string;
}

export interface CorruptionCase {
  name: string;
  reason: RejectionReason;
  /** Damages the case's copy of the storage. */
  corrupt(storage: Damageable, b: Backups): Promise<unknown>;
  /** The master key the host uses (default MASTER_KEY). */
  masterKey?: string;
  /** False when no previous backup can help (a function: it depends on what the backups share). */
  fallbackHelps: boolean | ((b: Backups) => boolean);
  /** Refused when the host opens the storage, before any restore is tried or recorded (the key proof). */
  refusedBeforeRestore?: RegExp;
}

/** The host refuses at start, twice alike, and nothing is restored or recorded in the target. */
async function refusedBeforeRestore(message: RegExp, host: () => Host, pool: Pool): Promise<void> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    const h = host();
    await expect(h.start()).rejects.toThrow(message);
    expect(h.state).toBe('failed');
    expect(h.url).toBeUndefined();
  }
  expect(await isCottonDatabaseEmpty(pool)).toBe(true);
  const { rows } = await pool.query("SELECT to_regclass('cotton_backup.events') IS NOT NULL AS present");
  if (rows[0].present) expect(await restoreEvents(pool)).toEqual([]);
}

async function rawBytes(backend: StorageBackend, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await backend.openRead(key)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function replaceRaw(backend: StorageBackend, key: string, bytes: Buffer): Promise<void> {
  await backend.write(key, Readable.from([bytes]), { overwrite: true });
}

/** One bit of the object's middle byte flipped. */
export async function flipObjectByte(backend: StorageBackend, key: string): Promise<void> {
  const bytes = await rawBytes(backend, key);
  bytes[bytes.length >> 1]! ^= 0x01;
  await replaceRaw(backend, key, bytes);
}

export async function truncateObjectHalf(backend: StorageBackend, key: string): Promise<void> {
  const bytes = await rawBytes(backend, key);
  await replaceRaw(backend, key, bytes.subarray(0, bytes.length >> 1));
}

/** Cotton's legacy CTN1 vector (COTTON.md §3) in place of the object. */
export async function replaceWithCtn1(backend: StorageBackend, key: string): Promise<void> {
  const vectors = JSON.parse(await readFile(join(REPO, '../shared/cotton/container-vectors.json'), 'utf8'));
  await replaceRaw(backend, key, Buffer.from(vectors.vectors.legacyCtn1TwoChunk.hex, 'hex'));
}

/** Rewrites the latest manifest; `atNewKey` stores it content-addressed and repoints the pointer. */
async function editLatestManifest(storage: Damageable, b: Backups, edit: (m: Manifest) => void, atNewKey: boolean): Promise<void> {
  const edited = structuredClone(b.m2);
  edit(edited);
  const { bytes, storageKey } = serializeManifest(edited);
  if (!atNewKey) {
    await storage.write(b.b2.manifestKey, bytes, { overwrite: true });
    return;
  }
  await storage.write(storageKey, bytes);
  await writePointer(storage, pointerStorageKey(deriveMasterEncryptionKey(MASTER_KEY)), {
    schemaVersion: 1,
    logicalKey: 'database.ctn',
    updatedAtUtc: new Date().toISOString(),
    latestManifestStorageKey: storageKey,
    latestBackupId: edited.backupId,
  });
}

const sizeOf = (b: Backups, key: string) => b.m2.chunks.find((c) => c.storageKey === key)!.sizeBytes;

export const CORRUPTION_CASES: CorruptionCase[] = [
  { name: 'one flipped byte in a chunk object', reason: 'decryption_failure', fallbackHelps: true, corrupt: (s, b) => flipObjectByte(s.backend, b.onlyLatest) },
  { name: 'a truncated chunk object', reason: 'decryption_failure', fallbackHelps: true, corrupt: (s, b) => truncateObjectHalf(s.backend, b.onlyLatest) },
  { name: 'a deleted chunk object', reason: 'missing_chunk', fallbackHelps: true, corrupt: (s, b) => s.backend.delete(b.onlyLatest) },
  {
    name: 'a chunk object holding other valid content (only the SHA-256 check can tell)',
    reason: 'hash_mismatch',
    fallbackHelps: true,
    corrupt: async (s, b) => {
      const size = sizeOf(b, b.onlyLatest);
      const other = b.m2.chunks.find((c) => c.storageKey !== b.onlyLatest && c.sizeBytes === size);
      // Same length, different bytes: the CTN2 layer decrypts it fine, the key check refuses it.
      const bytes = other ? await s.readBuffer(other.storageKey, 1 << 24) : Buffer.alloc(size, 7);
      await s.write(b.onlyLatest, bytes, { overwrite: true });
    },
  },
  { name: "a CTN1 object (Cotton's legacy format) in place of a chunk", reason: 'legacy_format', fallbackHelps: true, corrupt: (s, b) => replaceWithCtn1(s.backend, b.onlyLatest) },
  {
    name: 'the last chunk of the dump damaged (nothing reaches pg_restore before the end is verified)',
    reason: 'decryption_failure',
    fallbackHelps: (b) => !b.m1.chunks.some((c) => c.storageKey === b.m2.chunks.at(-1)!.storageKey),
    corrupt: (s, b) => flipObjectByte(s.backend, b.m2.chunks.at(-1)!.storageKey),
  },
  {
    name: 'a manifest edited in place (content no longer hashes to its key)',
    reason: 'invalid_manifest',
    fallbackHelps: true,
    corrupt: (s, b) => editLatestManifest(s, b, (m) => (m.dumpSizeBytes += 1), false),
  },
  {
    name: 'a manifest re-stored with a wrong dump hash (content-addressed, only the whole-dump check can tell)',
    reason: 'hash_mismatch',
    fallbackHelps: true,
    corrupt: (s, b) => editLatestManifest(s, b, (m) => (m.dumpContentHash = 'ab'.repeat(32)), true),
  },
  {
    name: 'a manifest re-stored with a wrong chunk size (sizes kept consistent)',
    reason: 'size_mismatch',
    fallbackHelps: true,
    corrupt: (s, b) =>
      editLatestManifest(s, b, (m) => {
        m.chunks[0]!.sizeBytes -= 1;
        m.dumpSizeBytes -= 1;
      }, true),
  },
  { name: 'a pointer to a missing manifest', reason: 'missing_manifest', fallbackHelps: true, corrupt: (s, b) => s.backend.delete(b.b2.manifestKey) },
  // The key is proven against the storage before anything is tried (issue 27 point 0): one line
  // naming the variable, nothing recorded in the database, rather than a restore refused for "no pointer".
  {
    name: 'the wrong master key',
    reason: 'no_pointer',
    fallbackHelps: false,
    masterKey: OTHER_MASTER_KEY,
    refusedBeforeRestore: /^COTTON_MASTER_KEY does not open storage .*; nothing was written\. Set the key this storage was made with$/,
    corrupt: async () => undefined,
  },
];

/**
 * The matrix over one kind of storage: two backups (the second with rows the first lacks), then
 * per case a copy of the storage, damaged, and an empty database a host must refuse to restore
 * into (twice: the refusal is stable, the admins are told once), and with
 * COTTON_RESTORE_FALLBACK=previous, restores the previous backup where one can help.
 */
export function describeCorruptionMatrix(title: string, createPlace: () => Promise<StoragePlace>): void {
  describe(title, () => {
    let source: TestDatabase;
    let place: StoragePlace;
    let backups: Backups;
    let snapshotB1: Record<string, string>;

    beforeAll(async () => {
      source = await createTestDatabase('rsmx');
      place = await createPlace();
      await seedCottonDatabase(source.pool, 2);
      const host = newHost(place.hostConfig(source, { COTTON_RESTORE_DATABASE_IF_EMPTY: 'false' }));
      await host.start();
      try {
        const ctx = resolve(host.pluginContainer('backup')!, BackupTokens.Context);
        const b1 = await runBackup(ctx);
        snapshotB1 = await snapshotTables(source.pool);
        await appendBulkRows(source.pool, 500_000, 400);
        const b2 = await runBackup(ctx);
        const m1 = await readManifest(place.storage, b1.manifestKey);
        const m2 = await readManifest(place.storage, b2.manifestKey);
        const inB1 = new Set(m1.chunks.map((c) => c.storageKey));
        const only = m2.chunks.filter((c) => !inB1.has(c.storageKey));
        expect(only.length).toBeGreaterThan(0);
        backups = { b1, b2, m1, m2, onlyLatest: only[Math.floor(only.length / 2)]!.storageKey };
      } finally {
        await host.stop();
      }
    }, 120_000);
    afterAll(async () => {
      await source?.drop();
      await place?.dispose();
    });

    describe.each(CORRUPTION_CASES)('$name', (c) => {
      let copy: StoragePlace;
      let target: TestDatabase;
      beforeAll(async () => {
        copy = await place.copy();
        await c.corrupt(copy.storage, backups);
        target = await createEmptyTarget('rsmx_t', true);
      }, 60_000);
      afterAll(async () => {
        await target?.drop();
        await copy?.dispose();
      });
      const keyEnv = (): Record<string, string> => (c.masterKey ? { COTTON_MASTER_KEY: c.masterKey } : {});

      it(`is refused (${c.reason}): the host does not serve, the database stays Cotton-empty, admins are notified once`, async () => {
        if (c.refusedBeforeRestore) return refusedBeforeRestore(c.refusedBeforeRestore, () => newHost(copy.hostConfig(target, keyEnv())), target.pool);
        for (let attempt = 1; attempt <= 2; attempt++) {
          const host = newHost(copy.hostConfig(target, keyEnv()));
          const started = host.start();
          await expect(started).rejects.toThrow(new RegExp(`restore refused \\(${c.reason}\\)`));
          await expect(started).rejects.toThrow(/Nothing was written into database .*: it is as it was.*What to do:/);
          expect(host.state).toBe('failed');
          expect(host.url).toBeUndefined();
        }
        expect(await isCottonDatabaseEmpty(target.pool)).toBe(true);
        const kept = await target.pool.query('SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM nodes) AS nodes');
        expect(kept.rows[0]).toEqual({ users: 3, nodes: 0 });

        const events = await restoreEvents(target.pool);
        const rejected = events.filter((e) => e.type === 'RestoreRejected');
        expect(rejected).toHaveLength(2); // one per attempt
        expect(rejected.every((e) => e.data.reason === c.reason)).toBe(true);
        expect(events.filter((e) => e.type === 'RestoreFailed')).toHaveLength(2);
        expect(events.some((e) => e.type === 'Restored' || e.type === 'Verified')).toBe(false);

        const notes = await cottonNotifications(target.pool, REFUSED_TITLE);
        expect(notes.map((n) => [n.user_id, n.priority])).toEqual([[ADMIN_ID, 3], [SECOND_ADMIN_ID, 3]]);
        expect(events.filter((e) => e.type === 'AdminsNotified')).toHaveLength(1);
        const sent = await target.pool.query("SELECT count(*)::int AS n FROM cotton_backup.admin_notifications WHERE kind = 'restore_refused'");
        expect(sent.rows[0].n).toBe(2);
      }, 60_000);

      it('with COTTON_RESTORE_FALLBACK=previous: restores the previous backup and says so where one can help, else still refuses', async () => {
        const host = newHost(copy.hostConfig(target, { COTTON_RESTORE_FALLBACK: 'previous', ...keyEnv() }));
        const helps = typeof c.fallbackHelps === 'function' ? c.fallbackHelps(backups) : c.fallbackHelps;
        if (c.refusedBeforeRestore) {
          await host.stop().catch(() => undefined);
          return refusedBeforeRestore(c.refusedBeforeRestore, () => newHost(copy.hostConfig(target, { COTTON_RESTORE_FALLBACK: 'previous', ...keyEnv() })), target.pool);
        }
        if (!helps) {
          await expect(host.start()).rejects.toThrow(/What to do:/);
          expect(await isCottonDatabaseEmpty(target.pool)).toBe(true);
          return;
        }
        await host.start();
        try {
          expect(await snapshotWithoutNotices(target.pool, [RESTORED_TITLE])).toEqual(snapshotB1);
          const events = await restoreEvents(target.pool);
          // The refused attempts before were carried over the restore, then this one's events.
          expect(events.filter((e) => e.metadata.carriedOver === true).map((e) => e.type)).toContain('RestoreRejected');
          const mine = events.filter((e) => e.metadata.carriedOver !== true);
          const stream = mine.at(-1)!.stream_id;
          const types = mine.filter((e) => e.stream_id === stream).map((e) => e.type);
          expect(types.slice(-5)).toEqual(['RestoreStarted', 'Verified', 'Restored', 'ExtensionsEnsured', 'AdminsNotified']);
          expect(mine.find((e) => e.type === 'RestoreRejected')!.data.reason).toBe(c.reason);
          expect(mine.findLast((e) => e.type === 'RestoreStarted')!.data.backupId).toBe(backups.b1.backupId);
          const notes = await cottonNotifications(target.pool, RESTORED_TITLE);
          expect(notes).toHaveLength(2);
          expect(notes[0]!.metadata.backupId).toBe(backups.b1.backupId);
          const content = await target.pool.query('SELECT content FROM notifications WHERE title = $1 LIMIT 1', [RESTORED_TITLE]);
          expect(content.rows[0].content).toMatch(/Newer backups could not be verified/);
        } finally {
          await host.stop();
        }
      }, 60_000);
    });

    it('a pristine copy restores the latest backup (the matrix fails for the damage, not the setup)', async () => {
      const copy = await place.copy();
      const target = await createEmptyTarget('rsmx_ok', true);
      try {
        const host = newHost(copy.hostConfig(target));
        await host.start();
        await host.stop();
        const events = await restoreEvents(target.pool);
        expect(events.find((e) => e.type === 'RestoreStarted')!.data.backupId).toBe(backups.b2.backupId);
        expect(events.some((e) => e.type === 'RestoreRejected')).toBe(false);
      } finally {
        await target.drop();
        await copy.dispose();
      }
    }, 60_000);
  });
}
