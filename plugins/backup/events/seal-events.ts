import type pg from 'pg';
import * as sql from './sql';
import { chainMac, eventMac, sealableEvent, type SealableRow } from './seal-mac';

interface UnsealedRow extends SealableRow {
  head_position: string | null;
  head_mac: string | null;
  sealed_after: string;
  own_append: boolean;
}

/**
 * Seals every visible event that has no seal yet, in global-position order, continuing the
 * chain from its head. Call it inside the transaction that appended (the journal's): the events
 * and their seals then commit together, and events appended in SQL since (which the application
 * could not seal) are sealed too, as found. Three statements, whatever the number of events.
 * Returns the number of events sealed.
 */
export async function sealPendingEvents(client: pg.PoolClient | pg.Client, sealKey: Buffer): Promise<number> {
  await client.query(sql.SEAL_LOCK);
  const { rows } = await client.query<UnsealedRow>(sql.UNSEALED_EVENTS);
  if (rows.length === 0) return 0;
  let previous = rows[0]!.head_mac;
  let position = BigInt(rows[0]!.head_position ?? '0');
  const columns: [string[], string[], string[], string[], boolean[], string[], string[]] = [[], [], [], [], [], [], []];
  for (const row of rows) {
    position += 1n;
    const fields = {
      position: position.toString(),
      eventPosition: row.global_position,
      streamId: row.stream_id,
      streamVersion: row.stream_version,
      ownAppend: row.own_append,
      eventMac: eventMac(sealKey, sealableEvent(row)),
    };
    previous = chainMac(sealKey, previous, fields);
    const values = [fields.position, fields.eventPosition, fields.streamId, fields.streamVersion, fields.ownAppend, fields.eventMac, previous] as const;
    values.forEach((v, i) => (columns[i] as unknown[]).push(v));
  }
  await client.query(sql.INSERT_SEALS, [...columns, rows[0]!.sealed_after]);
  return rows.length;
}

/** The chain head (the newest seal), or undefined before the first seal or without the seals table. */
export async function readSealHead(db: pg.Pool | pg.PoolClient): Promise<{ position: string; chainMac: string } | undefined> {
  const { rows: present } = await db.query<{ present: boolean }>(sql.SEALS_PRESENT);
  if (!present[0]?.present) return undefined;
  const { rows } = await db.query<{ position: string; chain_mac: string }>(sql.SEAL_HEAD);
  return rows[0] ? { position: rows[0].position, chainMac: rows[0].chain_mac } : undefined;
}
