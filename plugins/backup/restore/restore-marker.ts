import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import * as sql from './sql';
import { RESTORE_MARKER_SCHEMA } from '../dump/sql';
import { streamRecorded } from '../events/stream-recorded';

/**
 * pg_restore runs in parallel (-j), so it cannot be one transaction: a crash mid-way would leave
 * tables behind that make the database look non-empty, and the next start would serve half a
 * database. The marker, created before pg_restore and dropped as the restore's very last step,
 * says "half-restored": such a database counts as empty and is wiped, once a backup has verified,
 * before the next restore.
 *
 * Wiping is the one destructive thing a restore does, so the marker must prove itself: any role
 * with CREATE on the database can make a schema of that name. It holds which restore of which
 * backup wrote it, under an HMAC whose key only the master key gives, bound to the database; and
 * a restore whose stream is already in the event store is over, so its marker (a replayed copy)
 * proves nothing either.
 */
export interface MarkerClaim {
  restoreId: string;
  backupId: string;
  manifestKey: string;
}

export type MarkerState =
  | { kind: 'absent' }
  /** Our own half-done restore: the database may be wiped once a backup has verified. */
  | { kind: 'verified'; claim: MarkerClaim }
  /** A schema of the marker's name that proves nothing: never a reason to touch the database. */
  | { kind: 'unverified'; detail: string };

const MARKER_KEY_INFO = 'cotton-backup restore-in-progress marker v1';

/** Its own key, HKDF from the master encryption key: a MAC never doubles as anything else. */
export function restoreMarkerKey(masterEncryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterEncryptionKey, Buffer.alloc(0), Buffer.from(MARKER_KEY_INFO, 'utf8'), 32));
}

function mac(key: Buffer, database: string, claim: MarkerClaim): Buffer {
  return createHmac('sha256', key).update(JSON.stringify([MARKER_KEY_INFO, database, claim.restoreId, claim.backupId, claim.manifestKey])).digest();
}

async function currentDatabase(pool: Pool): Promise<string> {
  return (await pool.query<{ name: string }>(sql.CURRENT_DATABASE)).rows[0]!.name;
}

/** Written in one transaction before pg_restore touches anything; fails if a schema of its name exists. */
export async function markRestoreInProgress(pool: Pool, key: Buffer, claim: MarkerClaim): Promise<void> {
  const database = await currentDatabase(pool);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(sql.CREATE_RESTORE_MARKER);
    await client.query(sql.INSERT_RESTORE_MARKER, [claim.restoreId, claim.backupId, claim.manifestKey, mac(key, database, claim).toString('hex')]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function clearRestoreMarker(pool: Pool): Promise<void> {
  await pool.query(sql.DROP_RESTORE_MARKER);
}

/** What the marker schema, if any, proves. Reads only; never throws for what a forger could put there. */
export async function readRestoreMarker(pool: Pool, key: Buffer): Promise<MarkerState> {
  const { rows: present } = await pool.query<{ present: boolean }>(sql.RESTORE_MARKER_PRESENT);
  if (!present[0]!.present) return { kind: 'absent' };
  const unverified = (why: string): MarkerState => ({ kind: 'unverified', detail: `schema ${RESTORE_MARKER_SCHEMA} ${why}` });
  const { rows: ownership } = await pool.query<{ owner: string; schema_ours: boolean; table_ours: boolean }>(sql.RESTORE_MARKER_OWNERSHIP);
  const own = ownership[0];
  if (!own) return { kind: 'absent' }; // dropped since we looked
  // JSON: a role name may hold any character, terminal escapes included.
  if (!own.schema_ours) return unverified(`is owned by role ${JSON.stringify(own.owner)}, not by this role: not read`);
  if (!own.table_ours) return unverified('holds no marker table of ours (missing, or not an ordinary table): not read');
  let rows: { restore_id: string; backup_id: string; manifest_key: string; mac: string }[];
  try {
    ({ rows } = await pool.query(sql.READ_RESTORE_MARKER));
  } catch (error) {
    return unverified(`holds no readable marker (${(error as Error).message})`);
  }
  if (rows.length !== 1) return unverified(`holds ${rows.length === 0 ? 'no' : 'more than one'} marker row`);
  const row = rows[0]!;
  const claim: MarkerClaim = { restoreId: row.restore_id, backupId: row.backup_id, manifestKey: row.manifest_key };
  const expected = mac(key, await currentDatabase(pool), claim);
  const given = /^[0-9a-f]{64}$/.test(row.mac) ? Buffer.from(row.mac, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return unverified('holds a marker whose MAC does not verify under this master key for this database (made by someone else, or under another key)');
  }
  if (await restoreRecorded(pool, claim.restoreId)) {
    return unverified(`holds the marker of restore ${claim.restoreId}, which the event store records as over (a stale or replayed marker)`);
  }
  return { kind: 'verified', claim };
}

async function restoreRecorded(pool: Pool, restoreId: string): Promise<boolean> {
  try {
    return await streamRecorded(pool, `restore-${restoreId}`);
  } catch {
    // A half-restored event store may be unreadable; nothing in it then says the restore is over.
    return false;
  }
}
