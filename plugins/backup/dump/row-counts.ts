import type { Pool, PoolClient } from 'pg';
import { EXCLUDED_SCHEMAS, EXCLUDED_TABLE_DATA } from './pg-dump';
import type { SourceState, TableCount } from './source-state';
import { BEGIN_SNAPSHOT, countRows, DUMPED_TABLES, EF_MIGRATIONS, EXPORT_SNAPSHOT, EXTENSIONS, HAS_EF_MIGRATIONS, importSnapshot } from './sql';

/**
 * Below this much table data one counter is enough: a second connection costs more than it saves
 * while pg_dump competes for the same CPU. Above it a second counter joins the snapshot.
 */
export const PARALLEL_COUNT_BYTES = 256 * 1024 * 1024;
const MAX_COUNTERS = 2;

export interface CountedState {
  state: SourceState;
  durationMs: number;
  counters: number;
}

export interface DumpSnapshot {
  /** For `pg_dump --snapshot`. */
  id: string;
  /**
   * Counts in the snapshot while pg_dump runs; the transaction stays open until `dumpDone` settles
   * (pg_dump must import the snapshot before it goes away), then ends.
   */
  countWhile(dumpDone: Promise<unknown>): Promise<CountedState>;
  /** Counts nothing: only keeps the snapshot open until `dumpDone` settles (COTTON_BACKUP_ROW_COUNTS off). */
  holdWhile(dumpDone: Promise<unknown>): Promise<void>;
}

/** Opens a REPEATABLE READ transaction on the source and exports its snapshot for pg_dump. */
export async function openDumpSnapshot(pool: Pool, parallelBytes = PARALLEL_COUNT_BYTES): Promise<DumpSnapshot> {
  const client = await pool.connect();
  let id: string;
  try {
    await client.query(BEGIN_SNAPSHOT);
    ({ id } = (await client.query<{ id: string }>(EXPORT_SNAPSHOT)).rows[0]!);
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  return {
    id,
    async countWhile(dumpDone) {
      const started = performance.now();
      let failure: Error | undefined;
      try {
        const { state, counters } = await readSourceState(client, () => joinSnapshot(pool, id), parallelBytes);
        return { state, counters, durationMs: Math.round(performance.now() - started) };
      } catch (error) {
        failure = error as Error;
        throw error;
      } finally {
        if (!failure) await dumpDone.catch(() => undefined);
        await client.query('COMMIT').catch((error: Error) => (failure ??= error));
        client.release(failure);
      }
    },
    async holdWhile(dumpDone) {
      await dumpDone.catch(() => undefined);
      const ended = await client.query('COMMIT').then(() => undefined, (error: Error) => error);
      client.release(ended);
    },
  };
}

/**
 * Tables, their exact row counts, extensions and EF migrations as `client`'s transaction sees them.
 * With `joinHelper`, a second connection in the same snapshot counts beside it when the data is large.
 */
export async function readSourceState(
  client: PoolClient,
  joinHelper?: () => Promise<PoolClient>,
  parallelBytes = PARALLEL_COUNT_BYTES,
): Promise<{ state: SourceState; counters: number }> {
  const { rows: tables } = await client.query<{ schema: string; table: string; bytes: string }>(DUMPED_TABLES, [EXCLUDED_SCHEMAS, EXCLUDED_TABLE_DATA]);
  const { rows: extensions } = await client.query<{ name: string; version: string }>(EXTENSIONS);
  const hasEf = (await client.query<{ present: boolean }>(HAS_EF_MIGRATIONS)).rows[0]!.present;
  const efMigrations = hasEf ? (await client.query<{ id: string }>(EF_MIGRATIONS)).rows.map((r) => r.id) : null;

  const total = tables.reduce((sum, t) => sum + Number(t.bytes), 0);
  const counters = joinHelper && total >= parallelBytes && tables.length > 1 ? MAX_COUNTERS : 1;
  const counted = new Map<string, number>();
  const queue = [...tables];
  const work = async (worker: PoolClient) => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      const { rows } = await worker.query<{ rows: string }>(countRows(t.schema, t.table));
      counted.set(`${t.schema}.${t.table}`, Number(rows[0]!.rows));
    }
  };
  const helpers = await Promise.all(Array.from({ length: counters - 1 }, () => joinHelper!()));
  try {
    await Promise.all([work(client), ...helpers.map((h) => work(h))]);
  } finally {
    for (const helper of helpers) {
      await helper.query('COMMIT').catch(() => undefined);
      helper.release();
    }
  }
  const counts: TableCount[] = tables
    .map((t) => ({ schema: t.schema, table: t.table, rows: counted.get(`${t.schema}.${t.table}`)! }))
    .sort((a, b) => a.schema.localeCompare(b.schema) || a.table.localeCompare(b.table));
  return { state: { tables: counts, extensions, efMigrations }, counters };
}

/** The state of the database `pool` is connected to, in one REPEATABLE READ transaction (a drill's restored copy). */
export async function readDatabaseState(pool: Pool): Promise<SourceState> {
  const client = await pool.connect();
  try {
    await client.query(BEGIN_SNAPSHOT);
    const { state } = await readSourceState(client);
    await client.query('COMMIT');
    return state;
  } finally {
    client.release();
  }
}

async function joinSnapshot(pool: Pool, snapshotId: string): Promise<PoolClient> {
  const client = await pool.connect();
  try {
    await client.query(BEGIN_SNAPSHOT);
    await client.query(importSnapshot(snapshotId));
    return client;
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
}
