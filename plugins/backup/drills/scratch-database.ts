import pg from 'pg';
import type { Pool } from 'pg';
import { DATABASE_NAME } from '../../../src/config/database-name';
import type { ConnectionTarget } from '../dump/pg-tools';
import { createScratchDatabase, DRILL_DATABASES, dropScratchDatabase, markScratchDatabase } from './sql';

const MAX_NAME = 63;
const SUFFIX = '_drill_';
const MARKER = /^cotton-backup restore drill ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) of (.+)$/;

/** `<db>_drill_<first 8 hex of the drill id>` (a UUID: its first dash comes after them), the source shortened to fit PostgreSQL's 63 bytes. */
export function scratchDatabaseName(source: string, drillId: string): string {
  const short = drillId.slice(0, 8);
  return `${source.slice(0, MAX_NAME - SUFFIX.length - short.length)}${SUFFIX}${short}`;
}

/** The comment that marks a scratch database as ours; without it, nothing of that name is ever dropped. */
export function scratchMarker(source: string, drillId: string): string {
  return `cotton-backup restore drill ${drillId} of ${source}`;
}

export interface Leftover {
  name: string;
  drillId: string;
}

/**
 * The scratch databases a crashed drill of this source left: the exact name `<db>_drill_<8 hex>`
 * AND our marker comment naming this source and a drill id whose first 8 hex are that suffix.
 * Anything else (a look-alike name without the marker, another source's drill) is not ours.
 */
export async function findLeftovers(pool: Pool, source: string): Promise<Leftover[]> {
  const prefix = `${source.slice(0, MAX_NAME - SUFFIX.length - 8)}${SUFFIX}`;
  const { rows } = await pool.query<{ name: string; comment: string | null }>(DRILL_DATABASES, [prefix]);
  const found: Leftover[] = [];
  for (const row of rows) {
    const match = row.comment ? MARKER.exec(row.comment) : null;
    if (!match || match[2] !== source) continue;
    if (row.name !== scratchDatabaseName(source, match[1]!)) continue;
    found.push({ name: row.name, drillId: match[1]! });
  }
  return found;
}

export interface ScratchDatabase {
  name: string;
  target: ConnectionTarget;
  pool: Pool;
  drop(): Promise<void>;
}

/** Creates and marks the drill's scratch database on the source's server, with a pool on it. */
export async function createScratchDatabaseFor(sourcePool: Pool, source: ConnectionTarget, drillId: string): Promise<ScratchDatabase> {
  const name = scratchDatabaseName(source.database, drillId);
  if (!DATABASE_NAME.test(name)) throw new Error(`cannot name a scratch database after "${source.database}"`);
  await sourcePool.query(createScratchDatabase(name));
  try {
    await sourcePool.query(markScratchDatabase(name, scratchMarker(source.database, drillId)));
  } catch (error) {
    await sourcePool.query(dropScratchDatabase(name)).catch(() => undefined);
    throw error;
  }
  const target = { ...source, database: name };
  const pool = new pg.Pool({ host: target.host, port: target.port, user: target.user, password: target.password, database: name, max: 4 });
  // DROP … WITH (FORCE) ends these sessions; an idle client then reports an error no one awaits.
  pool.on('error', () => undefined);
  return {
    name,
    target,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await sourcePool.query(dropScratchDatabase(name));
    },
  };
}

export async function dropLeftover(pool: Pool, leftover: Leftover): Promise<void> {
  await pool.query(dropScratchDatabase(leftover.name));
}
