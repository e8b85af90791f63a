import { RESTORE_MARKER_SCHEMA } from '../dump/sql';

/**
 * Schemas a failed restore may have left behind; system and extension-owned ones excluded.
 * pg_toast/pg_temp variants are the server's own. The half-restored marker comes last: a wipe
 * cut short keeps it, so the database still counts as half-restored rather than as served.
 */
export const USER_SCHEMAS = `
  SELECT nspname AS name FROM pg_namespace
   WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
     AND nspname NOT LIKE 'pg_temp_%' AND nspname NOT LIKE 'pg_toast_temp_%'
   ORDER BY nspname = 'cotton_restore_in_progress', nspname`;
/** `public` comes back as PostgreSQL 15 creates it: owned by pg_database_owner, usable by its owner. */
export const RECREATE_PUBLIC = 'CREATE SCHEMA IF NOT EXISTS public AUTHORIZATION pg_database_owner';

export const INSTALLED_EXTENSIONS = 'SELECT extname AS name FROM pg_extension WHERE extname = ANY($1::text[])';

/**
 * One restore per database at a time (two hosts starting on one empty database, or a CLI restore
 * racing a startup). Session-level: held on a dedicated connection for the whole restore.
 */
export const TRY_RESTORE_LOCK = "SELECT pg_try_advisory_lock(hashtextextended('cotton_backup.restore/' || current_database(), 0)) AS locked";
export const RESTORE_UNLOCK = "SELECT pg_advisory_unlock(hashtextextended('cotton_backup.restore/' || current_database(), 0))";

/** Without IF NOT EXISTS: a schema of that name we did not write is never adopted as ours. */
export const CREATE_RESTORE_MARKER = `
  CREATE SCHEMA ${RESTORE_MARKER_SCHEMA};
  CREATE TABLE ${RESTORE_MARKER_SCHEMA}.marker (
    restore_id text NOT NULL, backup_id text NOT NULL, manifest_key text NOT NULL, mac text NOT NULL)`;
export const INSERT_RESTORE_MARKER = `INSERT INTO ${RESTORE_MARKER_SCHEMA}.marker (restore_id, backup_id, manifest_key, mac) VALUES ($1, $2, $3, $4)`;
/**
 * Read before anything of the schema is: a view or a column type in a schema someone else owns
 * could run their functions with our privileges. Ours is an ordinary table we own, in a schema we own.
 */
export const RESTORE_MARKER_OWNERSHIP = `
  SELECT pg_get_userbyid(n.nspowner) AS owner,
         n.nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) AS schema_ours,
         coalesce(c.relkind = 'r' AND c.relowner = n.nspowner, false) AS table_ours
    FROM pg_namespace n
    LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'marker'
   WHERE n.nspname = '${RESTORE_MARKER_SCHEMA}'`;
export const READ_RESTORE_MARKER = `SELECT restore_id::text, backup_id::text, manifest_key::text, mac::text FROM ${RESTORE_MARKER_SCHEMA}.marker LIMIT 2`;
export const DROP_RESTORE_MARKER = `DROP SCHEMA IF EXISTS ${RESTORE_MARKER_SCHEMA} CASCADE`;
export const RESTORE_MARKER_PRESENT = `SELECT to_regnamespace('${RESTORE_MARKER_SCHEMA}') IS NOT NULL AS present`;
export const CURRENT_DATABASE = 'SELECT current_database() AS name';

/** DDL takes no parameters: the schema's name is quoted as an identifier. */
export const dropSchema = (name: string) => `DROP SCHEMA IF EXISTS "${name.replaceAll('"', '""')}" CASCADE`;
/** The name is checked against EXTENSION_NAME first (database-state.ts), so the quotes cannot be escaped from. */
export const createExtension = (name: string) => `CREATE EXTENSION IF NOT EXISTS "${name}"`;
