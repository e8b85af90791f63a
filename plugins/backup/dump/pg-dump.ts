import type { Pool } from 'pg';
import { connectionArguments, databaseArguments, PgToolError, runTool, toolVersion, type ConnectionTarget, type RunningTool } from './pg-tools';
import { SERVER_VERSION } from './sql';

/** pg-boss keeps transient job state; restoring it would replay or resurrect jobs. */
export const EXCLUDED_SCHEMAS = ['pgboss'];
/**
 * Tables whose definition is dumped but not their rows. The file-chunk records hold 32 bytes per
 * referenced chunk per backup: in the dump they would add a whole new record's bytes to every
 * backup (tens of MB at a million files), and a restore brings back the records its own time had.
 */
export const EXCLUDED_TABLE_DATA = ['cotton_backup.referenced_chunk_recordings'];

export interface DumpVersions {
  pgDumpVersion: string;
  serverVersion: string;
}

export class PgDumpTooOldError extends PgToolError {
  constructor(pgDump: string, server: string) {
    super(
      'pg_dump',
      `pg_dump ${pgDump} is older than the PostgreSQL server ${server}; it cannot dump a newer server. ` +
        `Install the PostgreSQL ${server.split('.')[0]} client tools (or newer).`,
    );
    this.name = 'PgDumpTooOldError';
  }
}

/** Refuses up front a pg_dump whose major version is below the server's. */
export async function checkDumpVersions(pool: Pool): Promise<DumpVersions> {
  const [tool, { rows }] = await Promise.all([
    toolVersion('pg_dump'),
    pool.query<{ server_version: string; server_version_num: string }>(SERVER_VERSION),
  ]);
  const serverVersion = rows[0]!.server_version.split(' ')[0]!;
  const serverMajor = Math.floor(Number(rows[0]!.server_version_num) / 10000);
  if (tool.major < serverMajor) throw new PgDumpTooOldError(tool.text, serverVersion);
  return { pgDumpVersion: tool.text, serverVersion };
}

/**
 * pg_dump in custom format, uncompressed: compression is the storage pipeline's job, and
 * uncompressed output is what lets content-defined chunking find unchanged regions again.
 */
export function startPgDump(target: ConnectionTarget, signal?: AbortSignal, snapshotId?: string): RunningTool {
  const args = [
    '--format=custom',
    '--compress=0',
    // The exported snapshot the row counts were read in (row-counts.ts): the dump holds exactly those rows.
    ...(snapshotId ? [`--snapshot=${snapshotId}`] : []),
    ...EXCLUDED_SCHEMAS.map((schema) => `--exclude-schema=${schema}`),
    ...EXCLUDED_TABLE_DATA.map((table) => `--exclude-table-data=${table}`),
    ...connectionArguments(target),
    ...databaseArguments(target.database),
  ];
  return runTool('pg_dump', args, target, signal);
}
