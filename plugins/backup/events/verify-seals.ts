import type pg from 'pg';
import * as sql from './sql';
import { chainMac, eventMac, sealableEvent, type SealableRow } from './seal-mac';

export type SealProblemReason = 'sealed_event_missing' | 'sealed_event_changed' | 'seal_mismatch' | 'seal_gap' | 'behind_backup';

export interface SealProblem {
  reason: SealProblemReason;
  /** The seal's position in the chain (absent for behind_backup). */
  sealPosition?: string;
  globalPosition?: string;
  streamId?: string;
  streamVersion?: string;
  detail: string;
}

/** The chain head the newest backup's manifest recorded (manifest.eventSeal). */
export interface SealAnchor {
  backupId: string;
  createdAtUtc: string;
  position: string;
  chainMac: string;
}

export interface SealVerification {
  /** False when the database has no seals table (an event store older than migration 011). */
  present: boolean;
  sealed: number;
  /** Events without a seal: appended in SQL since the application's last append. Not protected. */
  unsealed: number;
  /** What the anchor check concluded, for the report. */
  anchor: string;
  problems: SealProblem[];
}

interface SealRow extends SealableRow {
  position: string;
  event_position: string;
  seal_stream_id: string;
  seal_stream_version: string;
  own_append: boolean;
  event_mac: string;
  chain_mac: string;
  present: boolean;
}

/**
 * Walks the seal chain (in the caller's snapshot: pass a client inside one repeatable-read
 * transaction for a consistent view), recomputing every MAC with the key, then checks the chain
 * against `anchor`. Collects at most `maxProblems`; checking continues.
 */
export async function verifySeals(db: pg.Pool | pg.PoolClient, sealKey: Buffer, anchor: SealAnchor | undefined, maxProblems = 100): Promise<SealVerification> {
  const { rows: present } = await db.query<{ present: boolean }>(sql.SEALS_PRESENT);
  if (!present[0]?.present) return { present: false, sealed: 0, unsealed: 0, anchor: 'no seals table', problems: [] };
  const problems: SealProblem[] = [];
  const report = (p: SealProblem) => {
    if (problems.length < maxProblems) problems.push(p);
  };
  let previous: string | null = null;
  let expected = 1n;
  let sealed = 0;
  for (let after = '0'; ; ) {
    const { rows } = await db.query<SealRow>(sql.VERIFY_SEALS_PAGE, [after, 1000]);
    for (const row of rows) {
      sealed += 1;
      const where = { sealPosition: row.position, globalPosition: row.event_position, streamId: row.seal_stream_id, streamVersion: row.seal_stream_version };
      const named = `event #${row.event_position} (stream "${row.seal_stream_id}" version ${row.seal_stream_version})`;
      if (BigInt(row.position) !== expected) {
        report({ reason: 'seal_gap', ...where, detail: `seals ${expected}…${BigInt(row.position) - 1n} are missing before seal ${row.position}: seals were deleted` });
      } else if (chainMac(sealKey, previous, { position: row.position, eventPosition: row.event_position, streamId: row.seal_stream_id, streamVersion: row.seal_stream_version, ownAppend: row.own_append, eventMac: row.event_mac }) !== row.chain_mac) {
        report({ reason: 'seal_mismatch', ...where, detail: `seal ${row.position} of ${named} does not follow from seal ${BigInt(row.position) - 1n}: a seal was edited, moved or forged` });
      }
      if (!row.present) {
        report({ reason: 'sealed_event_missing', ...where, detail: `${named} was sealed but is no longer in the log: it was deleted` });
      } else if (
        eventMac(sealKey, sealableEvent(row)) !== row.event_mac
      ) {
        report({ reason: 'sealed_event_changed', ...where, detail: `${named} differs from what was sealed: it was edited after it was written` });
      }
      previous = row.chain_mac;
      expected = BigInt(row.position) + 1n;
    }
    if (rows.length < 1000) break;
    after = rows.at(-1)!.position;
  }
  const { rows: unsealedRows } = await db.query<{ n: number }>(sql.UNSEALED_COUNT);
  const anchorResult = await checkAnchor(db, anchor, expected - 1n);
  if (anchorResult.problem) report(anchorResult.problem);
  return { present: true, sealed, unsealed: unsealedRows[0]!.n, anchor: anchorResult.text, problems };
}

/**
 * The newest backup saw seal `anchor.position` with `anchor.chainMac`; the live chain must hold it.
 * A database restored after that backup (an own-append Restored event, sealed, newer than the
 * backup) has legitimately another history, and is not held to it.
 */
async function checkAnchor(db: pg.Pool | pg.PoolClient, anchor: SealAnchor | undefined, head: bigint): Promise<{ text: string; problem?: SealProblem }> {
  if (!anchor) return { text: 'the newest backup records no chain head (no backup yet, or one written by Cotton or an older plugin): cuts are not checked' };
  const { rows } = await db.query<{ chain_mac: string }>(sql.SEAL_AT, [anchor.position]);
  if (rows[0]?.chain_mac === anchor.chainMac) return { text: `seal ${anchor.position} matches backup ${anchor.backupId}` };
  const { rows: restores } = await db.query<{ backup_id: string; occurred_at: Date }>(sql.LAST_SEALED_RESTORE);
  const restore = restores[0];
  if (restore && restore.occurred_at.getTime() > Date.parse(anchor.createdAtUtc)) {
    return { text: `restored from backup ${restore.backup_id} at ${restore.occurred_at.toISOString()}, after backup ${anchor.backupId}: its chain head is not this history's` };
  }
  const what = rows[0]
    ? `this log's seal ${anchor.position} is another one: the log was cut back and written again`
    : `this log's chain ends at seal ${head}: events and their seals were deleted`;
  return {
    text: `behind backup ${anchor.backupId}`,
    problem: {
      reason: 'behind_backup',
      detail: `backup ${anchor.backupId} (${anchor.createdAtUtc}) recorded seal ${anchor.position}, but ${what} (or the database was restored from an older dump without recording it)`,
    },
  };
}
