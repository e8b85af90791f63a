import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from '../../../src/host/tokens';
import { deriveMasterEncryptionKey, pointerStorageKey } from '../../../src/keys/keys';
import type { FilesystemObjectStorage } from '../../../src/storage/create-storage';
import { ADMIN_ID, appendBulkRows, seedCottonDatabase, snapshotTables } from '../../../test/support/cotton-schema';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import {
  copyRoot,
  cottonNotifications,
  createEmptyTarget,
  flipByte,
  hostConfig,
  MASTER_KEY,
  newHost,
  OTHER_MASTER_KEY,
  removeRoot,
  restoreEvents,
  SECOND_ADMIN_ID,
  snapshotWithoutNotices,
  storageOf,
  tempRoot,
  truncateHalf,
  writeCtn1,
} from '../../../test/restore/fixtures';
import { runBackup, type BackupOutcome } from '../take-backup/run-backup';
import { serializeManifest, type Manifest } from '../manifest/manifest';
import { readManifest, writePointer } from '../manifest/manifest-store';
import { REFUSED_TITLE } from '../notifications/restore-refused';
import { RESTORED_TITLE } from '../notifications/restore-completed';
import { BackupTokens } from '../tokens';
import { isCottonDatabaseEmpty } from './database-state';
import type { RejectionReason } from './restore-rejection';

interface Backups {
  b1: BackupOutcome;
  b2: BackupOutcome;
  m1: Manifest;
  m2: Manifest;
  /** A chunk only the latest backup uses (a previous backup can help when it is damaged). */
  onlyLatest: string;
}

interface Case {
  name: string;
  reason: RejectionReason;
  /** Damages the copy of the storage; returns the master key the host should use. */
  corrupt(storage: FilesystemObjectStorage, b: Backups): Promise<void>;
  masterKey?: string;
  /** False when no previous backup can help (a function: it depends on what the backups share). */
  fallbackHelps: boolean | ((b: Backups) => boolean);
}

/** Rewrites the latest manifest; `atNewKey` stores it content-addressed and repoints the pointer. */
async function editLatestManifest(storage: FilesystemObjectStorage, b: Backups, edit: (m: Manifest) => void, atNewKey: boolean): Promise<void> {
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

const CASES: Case[] = [
  { name: 'one flipped byte in a chunk object', reason: 'decryption_failure', fallbackHelps: true, corrupt: (s, b) => flipByte(s.objectPath(b.onlyLatest)) },
  { name: 'a truncated chunk object', reason: 'decryption_failure', fallbackHelps: true, corrupt: (s, b) => truncateHalf(s.objectPath(b.onlyLatest)) },
  { name: 'a deleted chunk object', reason: 'missing_chunk', fallbackHelps: true, corrupt: (s, b) => rm(s.objectPath(b.onlyLatest)) },
  {
    name: 'a chunk object holding other valid content (only the SHA-256 check can tell)',
    reason: 'hash_mismatch',
    fallbackHelps: true,
    corrupt: async (s, b) => {
      const other = b.m2.chunks.find((c) => c.storageKey !== b.onlyLatest && c.sizeBytes === b.m2.chunks.find((x) => x.storageKey === b.onlyLatest)!.sizeBytes);
      const size = b.m2.chunks.find((x) => x.storageKey === b.onlyLatest)!.sizeBytes;
      // Same length, different bytes: the CTN2 layer decrypts it fine, the key check refuses it.
      const bytes = other ? await s.readBuffer(other.storageKey, 1 << 24) : Buffer.alloc(size, 7);
      await s.write(b.onlyLatest, bytes, { overwrite: true });
    },
  },
  { name: "a CTN1 object (Cotton's legacy format) in place of a chunk", reason: 'legacy_format', fallbackHelps: true, corrupt: (s, b) => writeCtn1(s.objectPath(b.onlyLatest)) },
  {
    name: 'the last chunk of the dump damaged (nothing reaches pg_restore before the end is verified)',
    reason: 'decryption_failure',
    fallbackHelps: (b) => !b.m1.chunks.some((c) => c.storageKey === b.m2.chunks.at(-1)!.storageKey),
    corrupt: (s, b) => flipByte(s.objectPath(b.m2.chunks.at(-1)!.storageKey)),
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
  { name: 'a pointer to a missing manifest', reason: 'missing_manifest', fallbackHelps: true, corrupt: async (s, b) => void (await s.delete(b.b2.manifestKey)) },
  { name: 'the wrong master key', reason: 'no_pointer', fallbackHelps: false, masterKey: OTHER_MASTER_KEY, corrupt: async () => undefined },
];

describe('corruption matrix: every damaged backup is refused, the database stays empty, admins are told', () => {
  let source: TestDatabase;
  let root: string;
  let backups: Backups;
  let snapshotB1: Record<string, string>;

  beforeAll(async () => {
    source = await createTestDatabase('rsmx');
    root = await tempRoot('rsmx');
    await seedCottonDatabase(source.pool, 2);
    const host = newHost(hostConfig(source, root, { COTTON_RESTORE_DATABASE_IF_EMPTY: 'false' }));
    await host.start();
    try {
      const ctx = resolve(host.pluginContainer('backup')!, BackupTokens.Context);
      const b1 = await runBackup(ctx);
      snapshotB1 = await snapshotTables(source.pool);
      await appendBulkRows(source.pool, 500_000, 400);
      const b2 = await runBackup(ctx);
      const storage = storageOf(root);
      const m1 = await readManifest(storage, b1.manifestKey);
      const m2 = await readManifest(storage, b2.manifestKey);
      const inB1 = new Set(m1.chunks.map((c) => c.storageKey));
      const only = m2.chunks.filter((c) => !inB1.has(c.storageKey));
      expect(only.length).toBeGreaterThan(0);
      backups = { b1, b2, m1, m2, onlyLatest: only[Math.floor(only.length / 2)]!.storageKey };
    } finally {
      await host.stop();
    }
  });
  afterAll(async () => {
    await source.drop();
    await removeRoot(root);
  });

  describe.each(CASES)('$name', (c) => {
    let caseRoot: string;
    let target: TestDatabase;
    beforeAll(async () => {
      caseRoot = await copyRoot(root, 'rsmx-case');
      await c.corrupt(storageOf(caseRoot), backups);
      target = await createEmptyTarget('rsmx_t', true);
    });
    afterAll(async () => {
      await target.drop();
      await removeRoot(caseRoot);
    });

    it(`is refused (${c.reason}): the host does not serve, the database stays Cotton-empty, admins are notified once`, async () => {
      const env: Record<string, string> = c.masterKey ? { COTTON_MASTER_KEY: c.masterKey } : {};
      for (let attempt = 1; attempt <= 2; attempt++) {
        const host = newHost(hostConfig(target, caseRoot, env));
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
    });

    it('with COTTON_RESTORE_FALLBACK=previous: restores the previous backup and says so where one can help, else still refuses', async () => {
      const env = { COTTON_RESTORE_FALLBACK: 'previous', ...(c.masterKey ? { COTTON_MASTER_KEY: c.masterKey } : {}) };
      const host = newHost(hostConfig(target, caseRoot, env));
      const helps = typeof c.fallbackHelps === 'function' ? c.fallbackHelps(backups) : c.fallbackHelps;
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
    });
  });

  it('a pristine copy restores the latest backup (the matrix fails for the damage, not the setup)', async () => {
    const caseRoot = await copyRoot(root, 'rsmx-ok');
    const target = await createEmptyTarget('rsmx_ok', true);
    try {
      const host = newHost(hostConfig(target, caseRoot));
      await host.start();
      await host.stop();
      const events = await restoreEvents(target.pool);
      expect(events.find((e) => e.type === 'RestoreStarted')!.data.backupId).toBe(backups.b2.backupId);
      expect(events.some((e) => e.type === 'RestoreRejected')).toBe(false);
    } finally {
      await target.drop();
      await removeRoot(caseRoot);
    }
  });
});
