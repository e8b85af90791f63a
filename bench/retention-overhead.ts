/**
 * What retention adds to a backup (issue 11): the pin of every kept backup's objects and the
 * release of an expired one's, in Cotton's chunks table at ~1 M rows, as a ratio to the backup.
 *
 *   npx tsx bench/retention-overhead.ts [--rows 1000000] [--runs 3]
 *
 * A Cotton-shaped database plus `rows` chunks rows (Cotton's own, unrelated to ours), policy
 * keep-last 2 so that from the third backup on every run expires one backup and releases its own
 * objects. Each run: a day of changes, the backup alone (retention off), Cotton's consistency job
 * (rows for our new objects, 1-day delay; untimed), then retention as the backup would run it
 * (discover, plan, record, pin, release). Prints both times and the ratio; writes
 * bench/results/retention-overhead.json. Not part of `npm run bench`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/config';
import { runMigrations } from '../src/db/migrations/runner';
import { deriveMasterEncryptionKey } from '../src/keys/keys';
import { createStorage } from '../src/storage/open/create-storage';
import { MIGRATIONS_PATH } from '../plugins/backup/index';
import { createBackupServices } from '../plugins/backup/runtime/services';
import { runBackup } from '../plugins/backup/take-backup/run-backup';
import { applyRetention } from '../plugins/backup/retention/apply-retention';
import { appendBulkRows, seedCottonDatabase } from '../test/support/cotton-schema';
import { ControllableClock, DAY } from '../test/support/cotton-gc/clock';
import { CottonGcModel } from '../test/support/cotton-gc/cotton-gc';
import { cleanupAll, createDatabase, openPool, server, tempDir } from './tools';
import { summarize } from './stats';

const MASTER_KEY = 'bench-retention-master-key-01234';
const argv = process.argv.slice(2);
const option = (flag: string, fallback: number) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const rows = option('--rows', 1_000_000);
const runs = option('--runs', 3);

async function main(): Promise<void> {
  const database = await createDatabase('retention');
  const root = await tempDir('retention');
  const pool = openPool(database);
  try {
    await seedCottonDatabase(pool, 1);
    await pool.query(
      `INSERT INTO chunks (hash, size_bytes, stored_size_bytes, gc_scheduled_after)
         SELECT sha256(('cotton-row-' || i)::bytea), 1048576, 400000, NULL FROM generate_series(1, $1::int) i`,
      [rows],
    );
    await pool.query('VACUUM ANALYZE chunks');
    const config = loadConfig({
      COTTON_PG_HOST: server.host, COTTON_PG_PORT: String(server.port), COTTON_PG_USERNAME: server.user,
      ...(server.password ? { COTTON_PG_PASSWORD: server.password } : {}),
      COTTON_PG_DATABASE: database, COTTON_MASTER_KEY: MASTER_KEY, COTTON_STORAGE_PATH: join(root, 'files'),
      COTTON_DATA_PATH: join(root, 'data'), COTTON_LOG_LEVEL: 'silent',
      COTTON_BACKUP_KEEP_LAST: '2', COTTON_BACKUP_KEEP_DAILY: '0', COTTON_BACKUP_KEEP_WEEKLY: '0', COTTON_BACKUP_KEEP_MONTHLY: '0',
    });
    await runMigrations(pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    const masterEncryptionKey = deriveMasterEncryptionKey(MASTER_KEY);
    const storage = createStorage({ root: config.storage.root, masterEncryptionKey });
    const clock = new ControllableClock(new Date());
    const services = createBackupServices({ config, pool, storage, masterEncryptionKey, clock });
    const backupAlone = { ...services.backup, afterBackup: undefined };
    const gc = new CottonGcModel({ pool, storage, masterEncryptionKey, clock, timeZone: 'UTC' }, 'Limited');

    const backupMs: number[] = [];
    const retentionMs: number[] = [];
    const details: unknown[] = [];
    for (let run = 0; run < runs + 2; run++) {
      clock.advance(DAY); // a backup a day: the policy orders backups by their manifests' time
      await appendBulkRows(pool, 1_000_000 + run * 2000, 2000);
      let t = performance.now();
      const outcome = await runBackup(backupAlone);
      const b = performance.now() - t;
      await gc.storageConsistency();
      t = performance.now();
      const report = await applyRetention(services.retention, { replacedPointers: [outcome.previousManifestKey] });
      const r = performance.now() - t;
      const p = report.protection!;
      const line = { run, backupMs: Math.round(b), retentionMs: Math.round(r), dumpBytes: outcome.dumpSizeBytes, chunks: outcome.chunkCount,
        keptObjects: p.keptObjects, pinnedRows: p.pinnedRows, released: p.released.map((x) => x.releasedObjects) };
      console.log(JSON.stringify(line));
      // The first two runs only fill the policy (nothing expires yet): not measured.
      if (run >= 2) {
        backupMs.push(b);
        retentionMs.push(r);
        details.push(line);
      }
    }
    const result = {
      measuredAt: new Date().toISOString(),
      chunkRows: rows,
      backup: summarize(backupMs),
      retention: summarize(retentionMs),
      ratio: retentionMs.reduce((a, x) => a + x, 0) / backupMs.reduce((a, x) => a + x, 0),
      runs: details,
    };
    console.log(`chunks rows ${rows}: backup p50 ${Math.round(result.backup.median)} ms, retention p50 ${Math.round(result.retention.median)} ms, ratio ${(result.ratio * 100).toFixed(2)} %`);
    const dir = fileURLToPath(new URL('./results', import.meta.url));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'retention-overhead.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await pool.end();
    await cleanupAll();
  }
}

await main();
