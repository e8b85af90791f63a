import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../../logging/logger';
import * as sql from './sql';

/** A plugin's migrations folder. */
export interface MigrationSource {
  plugin: string;
  /** Absolute path of a folder of `NNN_name.sql` files. */
  path: string;
}

export interface MigrationFile {
  plugin: string;
  version: number;
  name: string;
  /** File name as on disk, e.g. `001_events.sql`. */
  file: string;
  /** Lowercase hex SHA-256 of the file's bytes. */
  checksum: string;
  sql: string;
}

export interface MigrationOutcome {
  plugin: string;
  version: number;
  name: string;
  /** True when this run applied it; false when it had been applied before. */
  applied: boolean;
}

/** A migration problem an operator must resolve; the message names the plugin and file. */
export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export const MIGRATION_FILE_PATTERN = /^(\d{3,})_([A-Za-z0-9_-]+)\.sql$/;

/** The folder's `NNN_name.sql` files in version order. A `.sql` file with another name, or two files with one version, is an error. */
export async function readMigrationFiles(source: MigrationSource): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = await readdir(source.path);
  } catch (error) {
    throw new MigrationError(`plugin ${source.plugin}: cannot read migrations folder ${source.path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const files: MigrationFile[] = [];
  for (const file of names.filter((n) => n.endsWith('.sql')).sort()) {
    const match = MIGRATION_FILE_PATTERN.exec(file);
    if (!match) {
      throw new MigrationError(`plugin ${source.plugin}: migration file ${file} does not match NNN_name.sql (e.g. 001_create_events.sql)`);
    }
    const bytes = await readFile(join(source.path, file));
    const version = Number(match[1]);
    const duplicate = files.find((f) => f.version === version);
    if (duplicate) throw new MigrationError(`plugin ${source.plugin}: ${duplicate.file} and ${file} share version ${version}`);
    files.push({
      plugin: source.plugin,
      version,
      name: match[2]!,
      file,
      checksum: createHash('sha256').update(bytes).digest('hex'),
      sql: bytes.toString('utf8'),
    });
  }
  return files.sort((a, b) => a.version - b.version);
}

/**
 * Applies every plugin's pending migrations, plugin by plugin in the given order, each file once,
 * in its own transaction, under a session advisory lock so that hosts starting together take
 * turns (the second sees the first's work and applies nothing).
 *
 * Before anything is applied, every source is checked against `cotton_host.schema_migrations`:
 * - an applied file whose content changed → MigrationError naming plugin and file (fix: restore the
 *   file; schema changes go in a new file);
 * - an applied version with no file → MigrationError as well: the database was migrated by other
 *   (probably newer) plugin code, and running older code against it is not safe.
 */
export async function runMigrations(
  pool: Pool,
  sources: readonly MigrationSource[],
  logger?: Pick<Logger, 'info' | 'debug'>,
): Promise<MigrationOutcome[]> {
  const plans = await Promise.all(sources.map(async (s) => ({ source: s, files: await readMigrationFiles(s) })));
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(sql.ACQUIRE_LOCK, [sql.MIGRATIONS_LOCK_KEY]);
    try {
      await client.query(sql.CREATE_SCHEMA);
      await client.query(sql.CREATE_MIGRATIONS_TABLE);
      const pending: MigrationFile[] = [];
      const outcomes: MigrationOutcome[] = [];
      for (const { source, files } of plans) {
        const applied = await appliedVersions(client, source.plugin);
        for (const [version, row] of applied) {
          const file = files.find((f) => f.version === version);
          if (!file) {
            throw new MigrationError(
              `plugin ${source.plugin}: migration ${String(version).padStart(3, '0')}_${row.name}.sql was applied to this database ` +
                `but is missing from ${source.path}; run the plugin version that has it, or restore the file`,
            );
          }
          if (file.checksum !== row.checksum) {
            throw new MigrationError(
              `plugin ${source.plugin}: migration ${file.file} changed after it was applied ` +
                `(checksum ${row.checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… on disk); ` +
                'restore the original file and put schema changes in a new migration',
            );
          }
        }
        for (const file of files) {
          if (applied.has(file.version)) outcomes.push({ plugin: file.plugin, version: file.version, name: file.name, applied: false });
          else pending.push(file);
        }
      }
      for (const file of pending) {
        await applyOne(client, file);
        logger?.info({ plugin: file.plugin, migration: file.file }, 'migration applied');
        outcomes.push({ plugin: file.plugin, version: file.version, name: file.name, applied: true });
      }
      if (pending.length === 0) logger?.debug('migrations: nothing to apply');
      return outcomes;
    } finally {
      await client.query(sql.RELEASE_LOCK, [sql.MIGRATIONS_LOCK_KEY]).catch(() => {
        broken = true; // ending the session releases the lock
      });
    }
  } catch (error) {
    if (isConnectionError(error)) broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}

async function appliedVersions(client: PoolClient, plugin: string): Promise<Map<number, { name: string; checksum: string }>> {
  const result = await client.query<{ version: number; name: string; checksum: string }>(sql.SELECT_APPLIED, [plugin]);
  return new Map(result.rows.map((r) => [r.version, { name: r.name, checksum: r.checksum }]));
}

async function applyOne(client: PoolClient, file: MigrationFile): Promise<void> {
  await client.query(sql.BEGIN);
  try {
    await client.query(file.sql);
    await client.query(sql.INSERT_APPLIED, [file.plugin, file.version, file.name, file.checksum]);
    await client.query(sql.COMMIT);
  } catch (error) {
    await client.query(sql.ROLLBACK).catch(() => undefined);
    throw new MigrationError(`plugin ${file.plugin}: migration ${file.file} failed: ${(error as Error).message}`, { cause: error });
  }
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return typeof code === 'string' && (code.startsWith('08') || code === 'ECONNRESET' || code === 'ECONNREFUSED');
}
