/**
 * Backup and restore of one benchmark database to the folder and to an S3 server (s3rver, the
 * tests' server, in this process on 127.0.0.1), each in a fresh worker process with its peak RSS
 * (issue 12 point 6). Prints a table and writes bench/results/s3-vs-folder-<scale>.json (rendered into
 * BENCHMARKS.md by bench/extras.ts).
 *
 *   node --import tsx bench/s3-vs-folder.ts [--scale tiny|quick|300MB|1.5GB] [--runs N]
 *
 * s3rver keeps objects as files on the same disk, so the S3 figures measure the protocol's cost
 * (HTTP, multipart, checksums, one HEAD per object) rather than a network or a real bucket.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS_PATH } from '../plugins/backup/index';
import { runMigrations } from '../src/db/migrations/runner';
import { startS3Server, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET } from '../test/support/s3-server';
import { generateDataset } from './dataset';
import { SCALES } from './scales';
import { fmtMs } from './stats';
import { cleanupAll, createDatabase, openPool, runWorker, tempDir } from './tools';
import type { WorkerResult } from './worker';

const argv = process.argv.slice(2);
const option = (flag: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const scale = SCALES[option('--scale') ?? 'quick'];
if (!scale) throw new Error(`unknown scale; known: ${Object.keys(SCALES).join(', ')}`);
const runs = Number(option('--runs') ?? 1);
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const server = await startS3Server();
  try {
    const source = await createDatabase('s3src');
    const pool = openPool(source);
    await runMigrations(pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    const databaseBytes = await generateDataset(pool, scale!.files);
    await pool.end();
    console.log(`database ${source}: ${(databaseBytes / MiB).toFixed(1)} MiB (${scale!.name}), ${runs} run(s) each`);
    const rows: string[] = [];
    const measured: { storage: string; op: string; durationMs: number; peakRssBytes: number; startRssBytes: number }[] = [];
    for (const target of ['folder', 'S3'] as const) {
      for (let run = 0; run < runs; run++) {
        const root = await tempDir(`s3bench-${target}`);
        const env: Record<string, string> =
          target === 'S3'
            ? {
                COTTON_STORAGE_S3_ENDPOINT: server.endpoint,
                COTTON_STORAGE_S3_BUCKET: await server.createBucket('bench'),
                COTTON_STORAGE_S3_ACCESS_KEY_ID: TEST_S3_ACCESS_KEY_ID,
                COTTON_STORAGE_S3_SECRET_ACCESS_KEY: TEST_S3_SECRET,
              }
            : {};
        const at = { storageRoot: join(root, 'files'), dataPath: join(root, 'data'), env };
        const backup = await runWorker({ op: 'backup', database: source, ...at });
        const restore = await runWorker({ op: 'restore', database: await createDatabase('s3rst'), ...at });
        rows.push(line(target, 'backup', backup), line(target, 'restore', restore));
        for (const [op, r] of [['backup', backup], ['restore', restore]] as const) {
          measured.push({ storage: target, op, durationMs: r.durationMs, peakRssBytes: r.peakRssBytes, startRssBytes: r.startRssBytes });
        }
      }
    }
    console.log(['| storage | operation | time | peak RSS | RSS before the operation |', '| --- | --- | --: | --: | --: |', ...rows].join('\n'));
    const dir = join(import.meta.dirname, 'results');
    await mkdir(dir, { recursive: true });
    const result = { measuredAt: new Date().toISOString(), scale: scale!.name, databaseBytes, runs, loadAverage: loadavg(), measured };
    await writeFile(join(dir, `s3-vs-folder-${scale!.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await server.stop();
    await cleanupAll();
  }
}

function line(target: string, op: string, result: WorkerResult): string {
  return `| ${target} | ${op} | ${fmtMs(result.durationMs)} | ${(result.peakRssBytes / MiB).toFixed(0)} MiB | ${(result.startRssBytes / MiB).toFixed(0)} MiB |`;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
