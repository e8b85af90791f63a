import { createHash } from 'node:crypto';
import type { SealableRow } from './seal-mac';
import * as sql from './sql';
import { isPool, type EventDb } from './types';
import { inReadSnapshot } from './read-snapshot';

export type ChainBreakReason = 'hash_mismatch' | 'previous_hash_mismatch' | 'version_gap';

export interface ChainBreak {
  globalPosition: bigint;
  streamId: string;
  streamVersion: bigint;
  reason: ChainBreakReason;
  detail: string;
}

export interface ChainVerification {
  ok: boolean;
  /** Events checked. */
  checked: number;
  streams: number;
  /** The break with the lowest global position. */
  firstBroken?: ChainBreak;
  /** Every break found, lowest global position first (at most `maxProblems`). */
  problems: ChainBreak[];
}

export interface VerifyChainOptions {
  /** Rows per query (default 1000). */
  pageSize?: number;
  /** Stop collecting after this many breaks (default 100); checking continues. */
  maxProblems?: number;
}

interface VerifyRow extends SealableRow {
  previous_hash: string | null;
  hash: string;
}

/** The hash of one event, exactly as the insert trigger computes it (cotton_backup.event_hash). */
export function eventHash(input: {
  previousHash: string | null;
  streamId: string;
  streamVersion: bigint | string;
  type: string;
  dataText: string;
  metadataText: string;
  occurredAtText: string;
}): string {
  const text = [
    input.previousHash ?? '',
    input.streamId,
    input.streamVersion.toString(),
    input.type,
    input.dataText,
    input.metadataText,
    input.occurredAtText,
  ].join('|');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Checks every stream's hash chain: versions run 1..n without gaps, each previous_hash is the
 * predecessor's hash, and each hash matches its recomputation. The recomputation is done here,
 * from PostgreSQL's canonical text forms, so it does not trust functions stored in the database.
 *
 * Given a Pool, it reads one consistent snapshot (a read-only REPEATABLE READ transaction).
 * What it cannot see: removal of a stream's LAST events, or of whole streams (nothing links to them),
 * nor an edit whose hashes were recomputed (the chain is unkeyed): the seal chain (verify-seals.ts) finds those.
 */
export async function verifyChain(db: EventDb, options: VerifyChainOptions = {}): Promise<ChainVerification> {
  if (isPool(db)) return inReadSnapshot(db, (client) => verifyPages(client, options));
  return verifyPages(db, options);
}

async function verifyPages(db: EventDb, options: VerifyChainOptions): Promise<ChainVerification> {
  const pageSize = options.pageSize ?? 1000;
  const maxProblems = options.maxProblems ?? 100;
  const problems: ChainBreak[] = [];
  let checked = 0;
  let streams = 0;
  let previous: { streamId: string; version: bigint; hash: string } | undefined;
  let cursor: [string, string] = ['', '0'];

  const report = (row: VerifyRow, reason: ChainBreakReason, detail: string) => {
    const problem = {
      globalPosition: BigInt(row.global_position),
      streamId: row.stream_id,
      streamVersion: BigInt(row.stream_version),
      reason,
      detail,
    };
    problems.push(problem);
    // Keep the lowest positions when there are more than maxProblems.
    problems.sort((a, b) => (a.globalPosition < b.globalPosition ? -1 : a.globalPosition > b.globalPosition ? 1 : 0));
    if (problems.length > maxProblems) problems.pop();
  };

  for (;;) {
    const { rows } = await db.query<VerifyRow>(sql.VERIFY_PAGE, [cursor[0], cursor[1], pageSize]);
    for (const row of rows) {
      checked += 1;
      const version = BigInt(row.stream_version);
      const sameStream = previous?.streamId === row.stream_id;
      if (!sameStream) streams += 1;
      const expectedVersion = sameStream ? previous!.version + 1n : 1n;
      if (version !== expectedVersion) {
        report(row, 'version_gap', `stream "${row.stream_id}" jumps to version ${version} where version ${expectedVersion} was expected`);
      } else if (sameStream ? row.previous_hash !== previous!.hash : row.previous_hash !== null) {
        report(
          row,
          'previous_hash_mismatch',
          sameStream
            ? `previous_hash ${short(row.previous_hash)} differs from version ${previous!.version}'s hash ${short(previous!.hash)}`
            : `version 1 has previous_hash ${short(row.previous_hash)}; it must have none`,
        );
      }
      const recomputed = eventHash({
        previousHash: row.previous_hash,
        streamId: row.stream_id,
        streamVersion: row.stream_version,
        type: row.type,
        dataText: row.data_text,
        metadataText: row.metadata_text,
        occurredAtText: row.occurred_at_text,
      });
      if (recomputed !== row.hash) {
        report(row, 'hash_mismatch', `stored hash ${short(row.hash)} but the event's content hashes to ${short(recomputed)}: the event was changed after it was written`);
      }
      previous = { streamId: row.stream_id, version, hash: row.hash };
    }
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) break;
    cursor = [last.stream_id, last.stream_version];
  }
  const firstBroken = problems[0];
  return { ok: problems.length === 0, checked, streams, problems, ...(firstBroken ? { firstBroken } : {}) };
}

function short(hash: string | null): string {
  return hash === null ? 'null' : `${hash.slice(0, 12)}…`;
}
