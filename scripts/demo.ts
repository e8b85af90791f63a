// `npm run demo`: a disaster and an automatic recovery, end to end, on local PostgreSQL.
// Cotton-shaped database with admins → host → backup → database dropped and recreated empty →
// host restarted with COTTON_RESTORE_DATABASE_IF_EMPTY=true → restored rows, audit trail,
// the admins' notification. Second act: the database dropped AND the primary storage root deleted,
// the host restarted, the server back from the copy target (COTTON_BACKUP_COPIES) and the primary
// re-seeded. Everything it creates is removed, even on failure.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/config/config';
import { Host } from '../src/host/host';
import { resolve } from '../src/contract/tokens';
import { createLogger } from '../src/logging/logger';
import { runBackup } from '../plugins/backup/take-backup/run-backup';
import { BackupTokens } from '../plugins/backup/runtime/tokens';
import { seedCottonDatabase } from '../test/support/cotton-schema';

const server = {
  host: process.env.COTTON_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.COTTON_PG_PORT ?? 5432),
  user: process.env.COTTON_PG_USERNAME ?? 'postgres',
  password: process.env.COTTON_PG_PASSWORD,
};
const database = `cotton_demo_${randomBytes(4).toString('hex')}`;
const pluginsPath = fileURLToPath(new URL('../plugins', import.meta.url));
const say = (text: string) => process.stdout.write(`\n== ${text}\n`);

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ ...server, database: 'postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function withPool<T>(run: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ ...server, database, max: 2 });
  try {
    return await run(pool);
  } finally {
    await pool.end();
  }
}

async function main(root: string): Promise<void> {
  const config = loadConfig({
    COTTON_PG_HOST: server.host,
    COTTON_PG_PORT: String(server.port),
    COTTON_PG_USERNAME: server.user,
    ...(server.password ? { COTTON_PG_PASSWORD: server.password } : {}),
    COTTON_PG_DATABASE: database,
    COTTON_MASTER_KEY: randomBytes(16).toString('hex'),
    COTTON_STORAGE_PATH: join(root, 'files'),
    COTTON_DATA_PATH: join(root, 'data'),
    COTTON_HTTP_HOST: '127.0.0.1',
    COTTON_HTTP_PORT: '0',
    COTTON_LOG_LEVEL: process.env.COTTON_LOG_LEVEL ?? 'warn',
    COTTON_RESTORE_DATABASE_IF_EMPTY: 'true',
    COTTON_CHUNK_MIN_BYTES: '16384',
    COTTON_CHUNK_AVG_BYTES: '65536',
    COTTON_CHUNK_MAX_BYTES: '262144',
    COTTON_BACKUP_COPIES: `offsite=file://${join(root, 'offsite')}`,
  });
  const logger = createLogger({ level: config.logLevel });

  say(`creating database "${database}" shaped like Cotton's, with two admins`);
  await admin(`CREATE DATABASE "${database}"`);
  await withPool((pool) => seedCottonDatabase(pool, 2));
  const before = await withPool(rowCounts);
  printTable(before);

  say('starting the host and taking a backup');
  const first = new Host({ config, pluginsPath, logger });
  await first.start();
  let backupId: string;
  try {
    const outcome = await runBackup(resolve(first.pluginContainer('backup')!, BackupTokens.Context));
    backupId = outcome.backupId;
    console.log(`backup ${outcome.backupId}: ${outcome.dumpSizeBytes} bytes in ${outcome.chunkCount} chunks, manifest ${outcome.manifestKey.slice(0, 16)}…`);
    await withPool(async (pool) => {
      const { rows } = await pool.query("SELECT data FROM cotton_backup.events WHERE type = 'CopyCompleted' ORDER BY global_position DESC LIMIT 1");
      const c = rows[0]?.data;
      console.log(c ? `copied to target ${c.target} (${join(root, 'offsite')}): ${c.objectsSent} objects, ${c.bytesSent} bytes` : 'NOT copied to the target');
    });
  } finally {
    await first.stop();
  }

  say('disaster: the database is dropped and recreated empty');
  await admin(`DROP DATABASE "${database}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${database}"`);

  say('restarting the host with COTTON_RESTORE_DATABASE_IF_EMPTY=true');
  const second = new Host({ config, pluginsPath, logger });
  await second.start();
  try {
    const health = await fetch(`${second.url}/health`);
    console.log(`host serving at ${second.url}; GET /health → ${health.status}`);
    await withPool(async (pool) => {
      say('restored row counts (before → after)');
      const after = await rowCounts(pool);
      printTable(after, before);

      say('audit trail: the restore and the restored backup');
      const { rows } = await pool.query(
        `SELECT global_position, stream_id, type, metadata ? 'rerecorded' AS rerecorded, data
           FROM cotton_backup.events WHERE stream_id LIKE 'restore-%' OR stream_id = $1 ORDER BY stream_id = $1 DESC, global_position`,
        [backupId],
      );
      for (const r of rows) {
        const note = r.rerecorded ? '  (re-recorded from the manifest)' : '';
        console.log(`#${String(r.global_position).padStart(4)}  ${r.stream_id.padEnd(44)} ${r.type}${note}${brief(r.type, r.data)}`);
      }

      say("the admins' notification (Cotton's notifications table)");
      const notes = await pool.query(
        `SELECT u.username, n.title, n.priority, n.content, n.metadata::text AS metadata
           FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.title = 'Database restored automatically' ORDER BY u.username`,
      );
      for (const n of notes.rows) console.log(`to ${n.username} (priority ${n.priority}): ${n.title}\n  ${n.content}\n  ${n.metadata}`);
    });
  } finally {
    await second.stop();
  }
  await secondAct(config, logger, before, root);
}

async function secondAct(config: ReturnType<typeof loadConfig>, logger: ReturnType<typeof createLogger>, before: Record<string, number>, root: string): Promise<void> {
  say('second act: the database dropped AND the primary storage root deleted (only the copy target is left)');
  await admin(`DROP DATABASE "${database}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${database}"`);
  await rm(config.storage.root, { recursive: true, force: true });

  say('restarting the host on the bare machine');
  const third = new Host({ config, pluginsPath, logger });
  await third.start();
  try {
    await withPool(async (pool) => {
      say('restored row counts (before → after)');
      printTable(await rowCounts(pool), before);
      const { rows } = await pool.query(
        "SELECT type, data FROM cotton_backup.events WHERE stream_id LIKE 'restore-%' AND type IN ('RestoreRejected', 'RestoreStarted') ORDER BY global_position",
      );
      for (const r of rows) {
        console.log(r.type === 'RestoreStarted' ? `restored backup ${r.data.backupId} from ${r.data.source ?? 'the primary storage'}` : `passed over: ${r.data.detail}`);
      }
    });
    const { readdir } = await import('node:fs/promises');
    console.log(`primary storage re-seeded: ${(await readdir(config.storage.root)).filter((n) => /^[0-9a-f]{2}$/.test(n)).length} object folders under ${config.storage.root}`);
  } finally {
    await third.stop();
  }
}

async function rowCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT format('%I', tablename) AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
  );
  const out: Record<string, number> = {};
  for (const { name } of rows) out[name] = (await pool.query(`SELECT count(*)::int AS n FROM public.${name}`)).rows[0].n;
  return out;
}

function printTable(counts: Record<string, number>, before?: Record<string, number>): void {
  for (const [table, n] of Object.entries(counts)) {
    console.log(`  ${table.padEnd(24)} ${before ? `${String(before[table] ?? 0).padStart(6)} → ` : ''}${String(n).padStart(6)}`);
  }
}

function brief(type: string, data: Record<string, unknown>): string {
  if (type === 'RestoreStarted') return `  backup ${data.backupId} → database ${data.targetDatabase}`;
  if (type === 'Verified') return `  ${data.bytes} bytes, sha256 ${String(data.sha256).slice(0, 16)}…`;
  if (type === 'AdminsNotified') return `  ${data.adminCount} admins, priority ${data.priority}`;
  return '';
}

const root = await mkdtemp(join(tmpdir(), 'cotton-demo-'));
let code = 0;
try {
  await main(root);
  say('done');
} catch (error) {
  code = 1;
  console.error(`demo failed: ${(error as Error).message}`);
} finally {
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch((e: Error) => console.error(`could not drop ${database}: ${e.message}`));
  await rm(root, { recursive: true, force: true });
}
process.exit(code);
