/**
 * Audit queries against a large event log: one backup's history (backupAudit) and the last 100
 * events (recentAudit), on a database holding `events` synthetic but valid events (each backup:
 * a BackupRequested in its request stream, then BackupStarted, Dumped, Chunked,
 * ManifestCommitted, PointerAdvanced in its own stream), bulk-inserted with INSERT … SELECT
 * generate_series. The BEFORE INSERT trigger computes every hash, as it would for real appends.
 * The backup_history projection rows are inserted alongside (backupAudit reads the request ids
 * there), as the TypeScript projection would have folded them.
 */
import type { Pool } from 'pg';
import { backupAudit, recentAudit } from '../plugins/backup/events/read-audit';
import { summarize, type Summary } from './stats';

const EVENTS_PER_BACKUP = 6;
const BASE = `timestamptz '2024-01-01 00:00:00+00'`;

const backupIdOf = (k: string) => `md5('backup' || ${k})`;
const requestIdOf = (k: string) => `md5('request' || ${k})::uuid::text`;
const hex64 = (seed: string, k: string) => `encode(sha256(('${seed}' || ${k})::text::bytea), 'hex')`;

const INSERT_EVENTS = `
  INSERT INTO cotton_backup.events (stream_id, stream_version, type, data, occurred_at)
  SELECT CASE WHEN e = 0 THEN 'request-' || ${requestIdOf('k')} ELSE ${backupIdOf('k')} END,
         CASE WHEN e = 0 THEN 1 ELSE e END,
         (ARRAY['BackupRequested', 'BackupStarted', 'Dumped', 'Chunked', 'ManifestCommitted', 'PointerAdvanced'])[e + 1],
         CASE e
           WHEN 0 THEN jsonb_build_object('requestId', ${requestIdOf('k')}, 'source', 'schedule', 'reason', 'daily schedule', 'requestedBy', 'scheduler')
           WHEN 1 THEN jsonb_build_object('backupId', ${backupIdOf('k')}, 'requestIds', jsonb_build_array(${requestIdOf('k')}),
                         'database', 'cotton', 'host', 'db.internal', 'port', '5432',
                         'chunking', jsonb_build_object('minBytes', 262144, 'avgBytes', 1048576, 'maxBytes', 4194304))
           WHEN 2 THEN jsonb_build_object('pgDumpVersion', '15.20', 'serverVersion', '15.20', 'bytes', 300000000 + k,
                         'sha256', ${hex64('dump', 'k')}, 'durationMs', 30000 + k % 5000)
           WHEN 3 THEN jsonb_build_object('chunkCount', 290, 'newChunks', 12 + k % 20, 'reusedChunks', 278 - k % 20,
                         'newPlaintextBytes', 12000000, 'reusedPlaintextBytes', 288000000, 'bytesWritten', 5000000)
           WHEN 4 THEN jsonb_build_object('backupId', ${backupIdOf('k')}, 'manifestKey', ${hex64('manifest', 'k')},
                         'previousManifestKey', CASE WHEN k = 1 THEN NULL ELSE ${hex64('manifest', '(k - 1)')} END)
           ELSE jsonb_build_object('backupId', ${backupIdOf('k')}, 'manifestKey', ${hex64('manifest', 'k')},
                         'previousManifestKey', CASE WHEN k = 1 THEN NULL ELSE ${hex64('manifest', '(k - 1)')} END)
         END,
         ${BASE} + k * interval '1 hour' + e * interval '1 second'
    FROM generate_series($1::bigint, $2::bigint) k, generate_series(0, ${EVENTS_PER_BACKUP - 1}) e
   ORDER BY k, e`;

const INSERT_HISTORY = `
  INSERT INTO cotton_backup.backup_history (backup_id, status, request_ids, source_database, started_at, finished_at, duration_ms,
                                            dump_bytes, dump_sha256, manifest_key, pointer_advanced)
  SELECT ${backupIdOf('k')}, 'succeeded', ARRAY[${requestIdOf('k')}], 'cotton', ${BASE} + k * interval '1 hour',
         ${BASE} + k * interval '1 hour' + interval '5 seconds', 30000 + k % 5000, 300000000 + k, ${hex64('dump', 'k')},
         ${hex64('manifest', 'k')}, true
    FROM generate_series($1::bigint, $2::bigint) k`;

export interface AuditBenchResult {
  events: number;
  insertMs: number;
  insertEventsPerSecond: number;
  runs: number;
  backupAuditMs: Summary;
  recentAuditMs: Summary;
}

/** Fills the (migrated, empty) event store with ~`events` events and times both audit queries. */
export async function benchAudit(pool: Pool, events: number, runs: number, onProgress?: (done: number) => void): Promise<AuditBenchResult> {
  const backups = Math.ceil(events / EVENTS_PER_BACKUP);
  const started = performance.now();
  const batch = 20_000; // backups per statement (120 k events)
  for (let from = 1; from <= backups; from += batch) {
    const to = Math.min(backups, from + batch - 1);
    await pool.query(INSERT_EVENTS, [from, to]);
    await pool.query(INSERT_HISTORY, [from, to]);
    onProgress?.(to * EVENTS_PER_BACKUP);
  }
  const insertMs = performance.now() - started;
  await pool.query('VACUUM ANALYZE cotton_backup.events');
  await pool.query('VACUUM ANALYZE cotton_backup.backup_history');

  const { rows } = await pool.query<{ n: string; ok: boolean }>(
    `SELECT count(*) AS n, bool_and(hash ~ '^[0-9a-f]{64}$') AS ok FROM cotton_backup.events`,
  );
  const total = Number(rows[0]!.n);
  // Deterministic spread of backups to look up: a different one each run.
  const pickBackup = async (i: number) => {
    const k = 1 + ((i * 7919) % backups);
    const { rows: id } = await pool.query<{ id: string }>(`SELECT ${backupIdOf('$1::bigint')} AS id`, [k]);
    return id[0]!.id;
  };
  const ids = await Promise.all(Array.from({ length: runs }, (_, i) => pickBackup(i)));
  // Warm-up (plans, buffers), not measured.
  for (let i = 0; i < 5; i++) {
    await backupAudit(pool, ids[i % ids.length]!);
    await recentAudit(pool, 100);
  }
  const one: number[] = [];
  const recent: number[] = [];
  for (const id of ids) {
    let t = performance.now();
    const trail = await backupAudit(pool, id);
    one.push(performance.now() - t);
    if (trail.length !== EVENTS_PER_BACKUP) throw new Error(`backupAudit(${id}) returned ${trail.length} events, expected ${EVENTS_PER_BACKUP}`);
    t = performance.now();
    const last = await recentAudit(pool, 100);
    recent.push(performance.now() - t);
    if (last.length !== 100) throw new Error(`recentAudit returned ${last.length} events`);
  }
  return {
    events: total,
    insertMs,
    insertEventsPerSecond: Math.round(total / (insertMs / 1000)),
    runs,
    backupAuditMs: summarize(one),
    recentAuditMs: summarize(recent),
  };
}
