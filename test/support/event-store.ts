import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { EventData, EventType } from '../../plugins/backup/events/vocabulary';

/** migrations/backup/001_event_store.sql */
export const EVENT_STORE_MIGRATION = fileURLToPath(new URL('../../migrations/backup/001_event_store.sql', import.meta.url));

/** Applies the event store's migration the way the host's runner does: the whole file in one transaction. */
export const SEAL_MIGRATION = fileURLToPath(new URL('../../migrations/backup/011_event_seals.sql', import.meta.url));

/** Migration 011 (the seal chain), on top of applyEventStoreMigration. */
export async function applySealMigration(pool: pg.Pool): Promise<void> {
  await pool.query(await readFile(SEAL_MIGRATION, 'utf8'));
}

export async function applyEventStoreMigration(pool: pg.Pool): Promise<void> {
  const text = await readFile(EVENT_STORE_MIGRATION, 'utf8');
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(text);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const h64 = 'a'.repeat(64);
const bid = '0123456789abcdef0123456789abcdef';

/** One valid data example per event type; `satisfies` makes the compiler demand an entry for every type. */
export const exampleEvents = {
  BackupRequested: { requestId: '3f2b8c4e-6a1d-4f7e-9b2a-1c3d5e7f9a0b', source: 'cli', reason: 'manual', requestedBy: 'admin' },
  BackupStarted: {
    backupId: bid,
    requestIds: ['3f2b8c4e-6a1d-4f7e-9b2a-1c3d5e7f9a0b'],
    database: 'cotton_dev',
    host: 'localhost',
    port: '5432',
    chunking: { minBytes: 1 << 20, avgBytes: 4 << 20, maxBytes: 16 << 20 },
  },
  Dumped: { pgDumpVersion: '15.8', serverVersion: '15.8', bytes: 1234, sha256: h64, durationMs: 12.5 },
  RowsCounted: {
    backupId: bid,
    tables: [{ schema: 'public', table: 'users', rows: 3 }],
    extensions: [{ name: 'citext', version: '1.6' }],
    efMigrations: ['20260101000000_Initial'],
    durationMs: 4,
    counters: 1,
  },
  FileChunksRecorded: { backupId: bid, chunkCount: 2000, columns: ['file_manifest_chunks.chunk_hash', 'users.avatar_hash'], durationMs: 12 },
  Chunked: { chunkCount: 3, newChunks: 1, reusedChunks: 2, newPlaintextBytes: 10, reusedPlaintextBytes: 20, bytesWritten: 8 },
  ManifestCommitted: { backupId: bid, manifestKey: h64, previousManifestKey: null },
  PointerAdvanced: { backupId: bid, previousManifestKey: h64, manifestKey: 'b'.repeat(64), rerecorded: true },
  BackupFailed: { backupId: bid, step: 'dump', errorClass: 'DumpError', message: 'pg_dump exited with 1' },
  RestoreStarted: { restoreId: 'r1', pointerKey: h64, manifestKey: h64, backupId: bid, targetDatabase: 'cotton', trigger: 'startup' },
  Verified: { backupId: bid, manifestKey: h64, bytes: 1, sha256: h64, chunkCount: 1, durationMs: 3 },
  Restored: { backupId: bid, durationMs: 1000 },
  ExtensionsEnsured: { extensions: ['citext', 'hstore'] },
  AdminsNotified: {
    kind: 'restore_completed',
    notificationIds: ['00000000-0000-8000-8000-000000000001'],
    recipients: [{ notificationId: '00000000-0000-8000-8000-000000000001', userId: '00000000-0000-4000-8000-000000000001' }],
    adminCount: 1,
    priority: 3,
    title: 'Database restored automatically',
  },
  RestoreRejected: { reason: 'missing_chunk', detail: 'chunk not found', manifestKey: h64, chunkKey: h64 },
  RestoreFailed: { step: 'pg_restore', errorClass: 'RestoreError', message: 'exit 1' },
  InterruptedRestoreWiped: { interruptedRestoreId: '3f2b8c4e-6a1d-4f7e-9b2a-1c3d5e7f9a0b', backupId: bid, manifestKey: h64 },
  RequestRejected: { source: 'notify', reason: 'payload is not JSON', sample: '{oops', sizeBytes: 5 },
  EventRejected: { rejectedType: 'AdminsNotified', problem: 'invalid AdminsNotified event: data.title: Too small', summary: '1 notification row written' },
  StoredEventRejected: { globalPosition: '42', streamId: 'forged', streamVersion: '1', rejectedType: 'Dumped', reason: 'invalid Dumped event: data.bytes: expected number' },
  VerificationFailed: { backupId: bid, manifestKey: h64, problems: [{ key: h64, problem: 'missing', detail: 'no object' }] },
  BackupKept: { backupId: bid, manifestKey: h64, rules: ['last', 'daily'], policy: 'last 7, daily 14' },
  BackupExpired: { backupId: bid, manifestKey: h64, policy: 'last 7, daily 14' },
  ObjectsReleased: { backupId: bid, releasedObjects: 3, sharedObjects: 40, chunksTable: true },
  ManifestUnreadable: { backupId: bid, manifestKey: h64, problem: 'object not found' },
  ManifestReadable: { backupId: bid, manifestKey: h64 },
  BackupDiscovered: { backupId: bid, manifestKey: h64, createdAtUtc: '2026-11-28T03:00:00.000Z', sourceDatabase: 'cotton', dumpSizeBytes: 1024, chunkCount: 1, producer: null },
  CopyStarted: { target: 'file:///mnt/copy', backupId: bid, manifestKey: h64, attempt: 1 },
  CopyCompleted: { target: 'file:///mnt/copy', backupId: bid, manifestKey: h64, objectsSent: 2, bytesSent: 2048, objectsSkipped: 1, bytesSkipped: 10, pointerAdvanced: true, durationMs: 12 },
  CopyTargetAdopted: { target: 'file:///mnt/copy', by: 'record', markerId: '6f1c0d6e-1b4a-4d1e-9a53-1c1c1c1c1c1c', backupId: bid },
  TargetPruned: { target: 'file:///mnt/copy', policy: 'last 7', keptBackups: 3, expiredBackupIds: [bid], deletedObjects: 1, bytesFreed: 100, deletedKeys: [h64], waitingObjects: 0 },
  PrimaryReseeded: { source: 'offsite', backupId: bid, manifestKey: h64, objectsSent: 3, bytesSent: 4096, pointerAdvanced: true },
  PrimaryReseedSkipped: { source: 'offsite', backupId: bid, reason: 'primary_has_newer', detail: 'the primary pointer names a newer backup' },
  CopyFailed: { target: 'file:///mnt/copy', backupId: bid, manifestKey: h64, attempts: 4, errorClass: 'StorageWriteError', message: 'the disk is full' },
  DrillStarted: { drillId: '3f2b8c4e-6a1d-4f7e-9b2a-1c3d5e7f9a0b', backupId: bid, manifestKey: h64, scratchDatabase: 'cotton_drill_0123abcd', trigger: 'cli' },
  DrillPassed: { drillId: '3f2b8c4e-6a1d-4f7e-9b2a-1c3d5e7f9a0b', backupId: bid, manifestKey: h64, tables: 12, rows: 3400, restoreMs: 900, durationMs: 1500 },
  DrillFailed: {
    drillId: '3f2b8c4e-6a1d-4f7e-9b2a-1c3d5e7f9a0b',
    backupId: bid,
    manifestKey: h64,
    problems: [{ problem: 'row_count', subject: 'public.users', expected: '3', actual: '2' }],
    durationMs: 1500,
  },
  DrillLeftoverDropped: { scratchDatabase: 'cotton_drill_0123abcd', drillId: '3f2b8c4e-6a1d-4f7e-9b2a-1c3d5e7f9a0b' },
} satisfies { [T in EventType]: EventData<T> };

