/**
 * #27 point 8: tampering with the event log by whoever owns the table (triggers can be disabled)
 * but does not hold the master key. Each scenario changes the log the way the review did and
 * requires `events verify` to exit non-zero with a problem that names what happened.
 */
import pg from 'pg';
import { adminQuery, dropDatabase, testServer } from '../support/database';
import { checks, type Checks } from './checks';
import { cli, createFaultEnv, type FaultEnv } from './harness';
import { startupRestore } from './startup-restore';
import type { Scenario } from './scenario';

interface Problem {
  reason: string;
  detail: string;
  streamId?: string;
}

/** Lifts every guard on the log's tables, runs `statements`, and puts each guard back as it was (as an owner can). */
async function asOwner(f: FaultEnv, statements: string[]): Promise<void> {
  const { rows } = await f.db.pool.query<{ t: string; name: string; enabled: string }>(
    `SELECT c.oid::regclass::text AS t, g.tgname AS name, g.tgenabled AS enabled FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
      WHERE NOT g.tgisinternal AND c.relnamespace = 'cotton_backup'::regnamespace AND c.relname IN ('events', 'event_seals')`,
  );
  for (const r of rows) await f.db.pool.query(`ALTER TABLE ${r.t} DISABLE TRIGGER ${r.name}`);
  try {
    for (const s of statements) await f.db.pool.query(s);
  } finally {
    for (const r of rows) await f.db.pool.query(`ALTER TABLE ${r.t} ENABLE ${r.enabled === 'A' ? 'ALWAYS ' : ''}TRIGGER ${r.name}`);
  }
}

async function backup(c: Checks, f: FaultEnv, what: string): Promise<boolean> {
  const r = await cli(f, ['backup', '--json']);
  return c.ok(r.code === 0, `${what} succeeds (${r.stderr.slice(-300)})`);
}

/** `events verify --json`: must exit non-zero with a problem of `reason` whose text matches `names`. */
async function expectFound(c: Checks, f: FaultEnv, reason: string, names: RegExp): Promise<void> {
  const r = await cli(f, ['events', 'verify', '--json']);
  c.ok(r.code !== 0, `\`events verify\` exits non-zero (exit ${r.code}: ${r.stdout.slice(0, 300)})`);
  let problems: Problem[] = [];
  try {
    problems = (JSON.parse(r.stdout) as { problems: Problem[] }).problems ?? [];
  } catch {
    c.ok(false, `\`events verify --json\` prints JSON (${r.stdout.slice(0, 200)} ${r.stderr.slice(-200)})`);
    return;
  }
  const hit = problems.find((p) => p.reason === reason && names.test(`${p.streamId ?? ''} ${p.detail}`));
  c.ok(hit, `a ${reason} problem naming ${names} (got: ${problems.map((p) => `${p.reason}: ${p.detail}`).join(' | ').slice(0, 400) || 'none'})`);
}

async function expectClean(c: Checks, f: FaultEnv, what: string): Promise<void> {
  const r = await cli(f, ['events', 'verify', '--json']);
  if (!c.ok(r.code === 0, `${what}: \`events verify\` exits 0 (exit ${r.code}: ${r.stdout.slice(0, 400)} ${r.stderr.slice(-200)})`)) return;
  const report = JSON.parse(r.stdout) as { sealed: number; unsealed: number; anchor: string };
  c.ok(report.sealed > 0 && /matches backup/.test(report.anchor), `${what}: the seals are checked against the newest backup (${report.sealed} sealed, ${report.anchor})`);
  c.note(`${what}: ${report.sealed} sealed, ${report.unsealed} unsealed; ${report.anchor}`);
}

function scenario(id: string, how: string, expect: string, body: (c: Checks, f: FaultEnv) => Promise<void>): Scenario {
  return {
    id,
    group: 'event log',
    how,
    expect,
    async run() {
      const c = checks();
      const f = await createFaultEnv('ftamper');
      try {
        await body(c, f);
      } finally {
        await f.cleanup();
      }
      return c;
    },
  };
}

const lastOfStream = (f: FaultEnv, like: string) =>
  f.db.pool
    .query<{ stream_id: string; global_position: string }>(
      'SELECT stream_id, global_position::text FROM cotton_backup.events WHERE stream_id LIKE $1 ORDER BY global_position DESC LIMIT 1',
      [like],
    )
    .then((r) => r.rows[0]!);

/** The startup restore, its pool handed to `f` (the scenario's later steps query it). */
async function restoreAtStartup(c: Checks, f: FaultEnv): Promise<void> {
  (f.db as { pool: pg.Pool }).pool = await startupRestore(c, f);
}

export const eventTamperScenarios: Scenario[] = [
  scenario(
    "events: a stream's last event deleted",
    "a backup; with the table's triggers disabled (as its owner can), the backup stream's last event (PointerAdvanced or later) deleted",
    '`events verify` exits non-zero: sealed_event_missing naming the backup stream',
    async (c, f) => {
      if (!(await backup(c, f, 'a backup'))) return;
      const { rows } = await f.db.pool.query<{ backup_id: string }>('SELECT backup_id FROM cotton_backup.backup_history LIMIT 1');
      const last = await lastOfStream(f, rows[0]!.backup_id);
      await asOwner(f, [`DELETE FROM cotton_backup.events WHERE global_position = ${last.global_position}`]);
      await expectFound(c, f, 'sealed_event_missing', new RegExp(last.stream_id));
    },
  ),
  scenario(
    'events: a whole verification-* stream deleted',
    'a backup and `verify`; with triggers disabled, every event of the verification-* stream deleted',
    '`events verify` exits non-zero: sealed_event_missing naming the verification stream',
    async (c, f) => {
      if (!(await backup(c, f, 'a backup'))) return;
      const v = await cli(f, ['verify']);
      c.ok(v.code === 0, `verify succeeds (${v.stderr.slice(-200)})`);
      const stream = await lastOfStream(f, 'verification-%');
      if (!c.ok(stream, 'verify recorded a verification-* stream')) return;
      await asOwner(f, [`DELETE FROM cotton_backup.events WHERE stream_id = '${stream.stream_id}'`]);
      await expectFound(c, f, 'sealed_event_missing', new RegExp(stream.stream_id));
    },
  ),
  scenario(
    'events: an event edited and its SQL hash recomputed',
    "a backup; with triggers disabled, the stream's last event's data edited and its hash recomputed with cotton_backup.event_hash()",
    '`events verify` exits non-zero: sealed_event_changed naming the stream',
    async (c, f) => {
      if (!(await backup(c, f, 'a backup'))) return;
      const last = await lastOfStream(f, '________________________________');
      await asOwner(f, [
        `UPDATE cotton_backup.events SET data = data || '{"forged": true}'::jsonb WHERE global_position = ${last.global_position}`,
        `UPDATE cotton_backup.events SET hash = cotton_backup.event_hash(previous_hash, stream_id, stream_version, type, data, metadata, occurred_at) WHERE global_position = ${last.global_position}`,
      ]);
      await expectFound(c, f, 'sealed_event_changed', new RegExp(last.stream_id));
    },
  ),
  scenario(
    'events: triggers disabled and rows edited',
    "a backup; ALTER TABLE … DISABLE TRIGGER; a middle event's metadata edited, and every later hash of its stream recomputed in order",
    '`events verify` exits non-zero: sealed_event_changed naming the stream',
    async (c, f) => {
      if (!(await backup(c, f, 'a backup'))) return;
      const last = await lastOfStream(f, '________________________________');
      const recompute = Array.from({ length: 10 }, (_, i) => `
        UPDATE cotton_backup.events e SET
          previous_hash = CASE WHEN e.stream_version = 1 THEN NULL ELSE (SELECT p.hash FROM cotton_backup.events p WHERE p.stream_id = e.stream_id AND p.stream_version = e.stream_version - 1) END,
          hash = cotton_backup.event_hash(
            CASE WHEN e.stream_version = 1 THEN NULL ELSE (SELECT p.hash FROM cotton_backup.events p WHERE p.stream_id = e.stream_id AND p.stream_version = e.stream_version - 1) END,
            e.stream_id, e.stream_version, e.type, e.data, e.metadata, e.occurred_at)
         WHERE e.stream_id = '${last.stream_id}' AND e.stream_version = ${i + 1}`);
      await asOwner(f, [
        `UPDATE cotton_backup.events SET metadata = metadata || '{"host": "elsewhere"}'::jsonb WHERE stream_id = '${last.stream_id}' AND stream_version = 2`,
        ...recompute,
      ]);
      const chain = await cli(f, ['events', 'verify', '--json']);
      c.note(`per-stream hash chain after the edit: exit ${chain.code}`);
      await expectFound(c, f, 'sealed_event_changed', new RegExp(last.stream_id));
    },
  ),
  scenario(
    'events: log cut back past the newest backup',
    'backup 1; backup 2; with triggers disabled, every event (and its seal) recorded after backup 1 deleted, so the log ends before what backup 2 saw',
    "`events verify` exits non-zero: behind_backup, naming backup 2's recorded chain head",
    async (c, f) => {
      if (!(await backup(c, f, 'backup 1'))) return;
      const cut = (await f.db.pool.query<{ p: string }>('SELECT max(global_position)::text AS p FROM cotton_backup.events')).rows[0]!.p;
      const seals = (await f.db.pool.query("SELECT to_regclass('cotton_backup.event_seals') IS NOT NULL AS present")).rows[0].present;
      const sealCut = seals ? (await f.db.pool.query<{ p: string }>('SELECT coalesce(max(position), 0)::text AS p FROM cotton_backup.event_seals')).rows[0]!.p : '0';
      if (!(await backup(c, f, 'backup 2'))) return;
      const second = (await f.db.pool.query<{ backup_id: string }>("SELECT backup_id FROM cotton_backup.backup_history ORDER BY started_at DESC LIMIT 1")).rows[0]!.backup_id;
      await asOwner(f, [
        ...(seals ? [`DELETE FROM cotton_backup.events WHERE global_position IN (SELECT event_position FROM cotton_backup.event_seals WHERE position > ${sealCut})`, `DELETE FROM cotton_backup.event_seals WHERE position > ${sealCut}`] : []),
        `DELETE FROM cotton_backup.events WHERE global_position > ${cut}`,
      ]);
      await expectFound(c, f, 'behind_backup', new RegExp(second));
    },
  ),
  scenario(
    'events: a restore is no tampering',
    'backup 1 and 2; the database dropped; `serve` with COTTON_RESTORE_DATABASE_IF_EMPTY=true restores backup 2 (carrying nothing over), then a backup on the restored database',
    '`events verify` exits 0 after the restore and after the next backup: rebased transaction ids and re-recorded events raise no alarm',
    async (c, f) => {
      if (!(await backup(c, f, 'backup 1'))) return;
      if (!(await backup(c, f, 'backup 2'))) return;
      await restoreAtStartup(c, f);
      await expectClean(c, f, 'after the startup restore');
      if (!(await backup(c, f, 'a backup of the restored database'))) return;
      await expectClean(c, f, 'after the next backup');
    },
  ),
  scenario(
    'events: a restore from an older backup is no tampering',
    'backup 1; backup 2 (the pointer names it); the database dropped and recreated empty; `restore --backup <backup 1>` into it',
    "`events verify` exits 0: the log lacks backup 2's chain head, and says it was restored (a sealed Restored event) after backup 2",
    async (c, f) => {
      const r1 = await cli(f, ['backup', '--json']);
      if (!c.ok(r1.code === 0, `backup 1 succeeds (${r1.stderr.slice(-300)})`)) return;
      const first = (JSON.parse(r1.stdout) as { backupId: string }).backupId;
      if (!(await backup(c, f, 'backup 2'))) return;
      await f.db.pool.end();
      await dropDatabase(f.db.name);
      await adminQuery(`CREATE DATABASE "${f.db.name}"`);
      const pool = new pg.Pool({ ...testServer, database: f.db.name, max: 2 });
      pool.on('error', () => undefined);
      (f.db as { pool: pg.Pool }).pool = pool;
      const restore = await cli(f, ['restore', '--backup', first]);
      if (!c.ok(restore.code === 0, `restore --backup <backup 1> succeeds (${restore.stderr.slice(-300)})`)) return;
      const r = await cli(f, ['events', 'verify', '--json']);
      c.ok(r.code === 0, `\`events verify\` exits 0 (exit ${r.code}: ${r.stdout.slice(0, 600)})`);
      const report = JSON.parse(r.stdout || '{}') as { anchor?: string };
      c.ok(new RegExp(`restored from backup ${first}`).test(report.anchor ?? ''), `it says the log was restored from backup 1 after backup 2 (${report.anchor})`);
    },
  ),
];
