/**
 * Copy time to a copy target (issue 13 point 7): a first backup and a day-of-changes backup of one
 * benchmark database, each copied to a folder target and to an S3 target (s3rver, the tests'
 * server, in this process on 127.0.0.1), as ratios to the backup itself. Prints the table and saves it
 * in bench/results/copy-time.json, which bench/extras.ts renders into BENCHMARKS.md.
 *
 *   node --import tsx bench/copy-time.ts [--scale tiny|quick]
 *
 * The folder target is on the same disk as the primary; s3rver keeps objects as files on that disk
 * too: both measure our copy (reads, HEADs, writes, the manifest read back), not a network.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config';
import { deriveMasterEncryptionKey } from '../src/keys/keys';
import { createStorage } from '../src/storage/open/create-storage';
import { runMigrations } from '../src/db/migrations/runner';
import { MIGRATIONS_PATH } from '../plugins/backup/index';
import { runBackup } from '../plugins/backup/take-backup/run-backup';
import { createBackupServices } from '../plugins/backup/runtime/services';
import { copyToTargets } from '../plugins/backup/copies/copy-to-targets';
import { startS3Server, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET } from '../test/support/s3-server';
import { applyDayOfChanges, generateDataset } from './dataset';
import { SCALES } from './scales';
import { fmtMs } from './stats';
import { cleanupAll, createDatabase, openPool, server, tempDir } from './tools';

const argv = process.argv.slice(2);
const scaleName = argv.includes('--scale') ? argv[argv.indexOf('--scale') + 1]! : 'tiny';
const scale = SCALES[scaleName];
if (!scale) throw new Error(`unknown scale ${scaleName}; known: ${Object.keys(SCALES).join(', ')}`);
const MASTER_KEY = 'bench-copy-master-key-0123456789';
const MiB = 1024 * 1024;

async function measure(kind: 'folder' | 'S3', env: Record<string, string>, database: string): Promise<string[]> {
  const root = await tempDir(`bench-copy-${kind}`);
  const config = loadConfig({
    COTTON_PG_HOST: server.host, COTTON_PG_PORT: String(server.port), COTTON_PG_USERNAME: server.user,
    ...(server.password ? { COTTON_PG_PASSWORD: server.password } : {}),
    COTTON_PG_DATABASE: database, COTTON_MASTER_KEY: MASTER_KEY, COTTON_STORAGE_PATH: join(root, 'files'), COTTON_DATA_PATH: join(root, 'data'),
    COTTON_LOG_LEVEL: 'silent', ...env,
  });
  const pool = openPool(database);
  const masterEncryptionKey = deriveMasterEncryptionKey(MASTER_KEY);
  const storage = createStorage({ root: config.storage.root, masterEncryptionKey });
  const services = createBackupServices({ config, pool, storage, masterEncryptionKey, clock: { now: () => new Date() } });
  const settings = services.copies.settings;
  const rows: string[] = [];
  try {
    for (const step of ['first backup', 'day of changes'] as const) {
      if (step === 'day of changes') await applyDayOfChanges(pool, scale!.files, 'clustered');
      services.copies.settings = { ...settings, targets: [] }; // the backup alone, then the copy alone
      let t = performance.now();
      const backup = await runBackup(services.backup);
      const backupMs = performance.now() - t;
      services.copies.settings = settings;
      t = performance.now();
      await copyToTargets(services.copies);
      const copyMs = performance.now() - t;
      const { rows: done } = await pool.query("SELECT data FROM cotton_backup.events WHERE type = 'CopyCompleted' ORDER BY global_position DESC LIMIT 1");
      const c = done[0]!.data;
      rows.push(
        `| ${kind} | ${step} | ${(backup.dumpSizeBytes / MiB).toFixed(1)} MiB | ${fmtMs(backupMs)} | ${fmtMs(copyMs)} | ${(copyMs / backupMs).toFixed(2)} | ` +
          `${c.objectsSent} (${(c.bytesSent / MiB).toFixed(1)} MiB) | ${c.objectsSkipped} |`,
      );
    }
  } finally {
    await services.coordinator.stop(0);
    await pool.end();
  }
  return rows;
}

async function main(): Promise<void> {
  const s3 = await startS3Server();
  try {
    const rows: string[] = [];
    for (const kind of ['folder', 'S3'] as const) {
      const database = await createDatabase(`copy${kind.toLowerCase()}`);
      const pool = openPool(database);
      await runMigrations(pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
      await generateDataset(pool, scale!.files);
      await pool.end();
      const env: Record<string, string> =
        kind === 'folder'
          ? { COTTON_BACKUP_COPIES: `bench=file://${await tempDir('bench-copy-target')}` }
          : {
              COTTON_BACKUP_COPIES: `bench=s3://${await s3.createBucket('copy')}/copies`,
              AWS_ENDPOINT_URL: s3.endpoint, AWS_ACCESS_KEY_ID: TEST_S3_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: TEST_S3_SECRET,
            };
      rows.push(...(await measure(kind, env, database)));
    }
    const table = ['| target | backup | dump | backup time | copy time | copy / backup | objects sent | objects skipped |', '| --- | --- | --: | --: | --: | --: | --: | --: |', ...rows];
    console.log(`copy time, scale ${scale!.name} (${scale!.files} files)\n`);
    console.log(table.join('\n'));
    const dir = join(import.meta.dirname, 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'copy-time.json'), `${JSON.stringify({ measuredAt: new Date().toISOString(), scale: scale!.name, files: scale!.files, table }, null, 2)}\n`);
  } finally {
    await s3.stop();
    await cleanupAll();
  }
}

await main();
