import type { Pool } from 'pg';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { StorageIdentity } from '../../../src/storage/identity/identity-record';
import { BackupPluginError } from '../core/errors';
import { READ_STORAGE_IDENTITY, RECORD_STORAGE_IDENTITY, REPLACE_STORAGE_IDENTITY, STORAGE_IDENTITY_TABLE_EXISTS } from './sql';

interface Recorded {
  storage_id: string;
  description: string;
  recorded_at: Date;
}

/** The storage is not the one this database's backups are in: both named, nothing written. */
export class StorageMismatchError extends BackupPluginError {
  constructor(where: string, found: string, recorded: Recorded) {
    super(
      'STORAGE_MISMATCH',
      `storage ${where} ${found}, but this database's backups are in storage ${recorded.storage_id} (at ${recorded.description}, recorded ${recorded.recorded_at.toISOString()}): ` +
        `check ${where.startsWith('s3://') ? "the S3 bucket (COTTON_STORAGE_S3_BUCKET, or Cotton's server_settings)" : 'COTTON_STORAGE_PATH'}; nothing was written. ` +
        'If this storage is meant to replace that one, run `cotton-backup adopt-storage`',
    );
  }
}

export interface BindOptions {
  /** May write an identity record into a storage that has none (`serve`, a backup): first use or adoption. */
  create: boolean;
  now: Date;
}

/**
 * Proves the key again and checks that the storage is the one the database records, recording
 * it at first use. Refused (StorageMismatchError): a storage with another identity, or with none
 * when the database records one (a new empty folder where a path was mistyped, a storage
 * swapped under a running host). A storage made before identity records, whose key was proven by
 * its own objects, gets its record written (adopted) when `create` allows. Returns the identity
 * now bound, or undefined (a storage without identity handle, or a reading command on a storage
 * that has no record and is not bound yet).
 */
export async function bindStorage(pool: Pool, storage: ObjectStorage, options: BindOptions): Promise<StorageIdentity | undefined> {
  const handle = storage.identity;
  if (!handle) return undefined;
  const proof = await handle.prove();
  const recorded = await readRecorded(pool);
  let identity = proof.identity;
  if (recorded) {
    if (!identity) throw new StorageMismatchError(handle.where, proof.by === 'empty' ? 'is empty and has no identity record' : 'has no identity record', recorded);
    if (identity.storageId !== recorded.storage_id) throw new StorageMismatchError(handle.where, `is storage ${identity.storageId} (created ${identity.createdAtUtc})`, recorded);
    return identity;
  }
  if (!identity && options.create) identity = await handle.create(options.now);
  if (!identity) return undefined;
  if (await tableExists(pool)) {
    await pool.query(RECORD_STORAGE_IDENTITY, [identity.storageId, handle.where, identity.createdAtUtc, options.now]);
    const now = await readRecorded(pool);
    if (now && now.storage_id !== identity.storageId) throw new StorageMismatchError(handle.where, `is storage ${identity.storageId} (created ${identity.createdAtUtc})`, now);
  }
  return identity;
}

/**
 * Makes this storage the one the database records (creating its identity record if needed), the
 * old id kept: the operator's explicit choice, or a restore that re-seeded a new primary.
 */
export async function adoptStorage(pool: Pool, storage: ObjectStorage, now: Date): Promise<{ identity: StorageIdentity; replaced?: string } | undefined> {
  const handle = storage.identity;
  if (!handle) return undefined;
  const proof = await handle.prove();
  const identity = proof.identity ?? (await handle.create(now));
  if (!identity) throw new Error(`storage ${handle.where} keeps no identity record`);
  // A restored database from before identity records has no table: the first start records it.
  if (!(await tableExists(pool))) return { identity };
  const before = await readRecorded(pool);
  await pool.query(REPLACE_STORAGE_IDENTITY, [identity.storageId, handle.where, identity.createdAtUtc, now]);
  return { identity, replaced: before && before.storage_id !== identity.storageId ? before.storage_id : undefined };
}

async function tableExists(pool: Pool): Promise<boolean> {
  return (await pool.query<{ present: boolean }>(STORAGE_IDENTITY_TABLE_EXISTS)).rows[0]!.present;
}

async function readRecorded(pool: Pool): Promise<Recorded | undefined> {
  if (!(await tableExists(pool))) return undefined;
  return (await pool.query<Recorded>(READ_STORAGE_IDENTITY)).rows[0];
}
