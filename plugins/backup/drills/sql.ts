import { escapeIdentifier, escapeLiteral } from 'pg';

/**
 * One drill per source database at a time, across hosts. Held for the whole drill on a dedicated
 * connection: while it is held, a scratch database of ours that exists can only be a crashed
 * drill's leftover, so the sweep may drop it.
 */
export const TRY_DRILL_LOCK = "SELECT pg_try_advisory_lock(hashtextextended('cotton_backup.drill/' || current_database(), 0)) AS locked";
export const DRILL_UNLOCK = "SELECT pg_advisory_unlock(hashtextextended('cotton_backup.drill/' || current_database(), 0))";

/** Candidate leftovers: the exact name pattern is checked again in code, with the marker comment. */
export const DRILL_DATABASES = `
  SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment
    FROM pg_database WHERE starts_with(datname, $1)`;

// template0: nothing a site added to template1 (extensions, tables) may show up as a difference.
export const createScratchDatabase = (name: string) => `CREATE DATABASE ${escapeIdentifier(name)} TEMPLATE template0`;
export const markScratchDatabase = (name: string, marker: string) => `COMMENT ON DATABASE ${escapeIdentifier(name)} IS ${escapeLiteral(marker)}`;
export const dropScratchDatabase = (name: string) => `DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`;

/** Client sessions on a database ($1): a scratch database someone is connected to may still be a drill's, whatever the lock says. */
export const SESSIONS_ON_DATABASE = `
  SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`;
