/**
 * What the row counts in the dump's own snapshot add to a backup (issue 14; target ≤ 10 % more
 * wall time): the same full backup with COTTON_BACKUP_ROW_COUNTS on and off, alternating, each
 * into a fresh storage root (so both do the same work), each in a fresh worker process.
 *
 *   npx tsx bench/row-counts-overhead.ts [--scale 300MB|1.5GB|quick|tiny] [--runs 3]
 *
 * Prints the medians and the paired ratio; writes bench/results/row-counts-overhead-<scale>.json.
 * Not part of `npm run bench` (the coordinator runs it beside bench:full).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runMigrations } from '../src/db/migrations/runner';
import { MIGRATIONS_PATH } from '../plugins/backup/index';
import { generateDataset } from './dataset';
import { SCALES } from './scales';
import { fmtBytes, fmtMs, ratios, summarize } from './stats';
import { cleanupAll, createDatabase, log, openPool, removeDir, runWorker, tempDir } from './tools';

const argv = process.argv.slice(2);
const value = (flag: string, fallback: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1]! : fallback;
};
const scale = SCALES[value('--scale', '300MB')];
if (!scale) throw new Error(`unknown scale; known: ${Object.keys(SCALES).join(', ')}`);
const runs = Number(value('--runs', '3'));

async function backupMs(source: string, rowCounts: 'on' | 'off'): Promise<number> {
  const root = await tempDir(`rowcounts-${rowCounts}`);
  try {
    const result = await runWorker({
      op: 'backup',
      database: source,
      storageRoot: join(root, 'files'),
      dataPath: join(root, 'data'),
      env: { COTTON_BACKUP_ROW_COUNTS: rowCounts },
    });
    return result.durationMs;
  } finally {
    await removeDir(root);
  }
}

async function main(): Promise<void> {
  const source = await createDatabase('rowcounts');
  const pool = openPool(source);
  try {
    await runMigrations(pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    const bytes = await generateDataset(pool, scale!.files);
    log(`${scale!.name}: database ${fmtBytes(bytes)}`);
    const on: number[] = [];
    const off: number[] = [];
    for (let run = 0; run < runs; run++) {
      // Alternate which goes first, so the page cache favours neither.
      if (run % 2 === 0) {
        off.push(await backupMs(source, 'off'));
        on.push(await backupMs(source, 'on'));
      } else {
        on.push(await backupMs(source, 'on'));
        off.push(await backupMs(source, 'off'));
      }
      log(`run ${run + 1}: counts on ${fmtMs(on.at(-1)!)}, off ${fmtMs(off.at(-1)!)}`);
    }
    const result = { measuredAt: new Date().toISOString(), scale: scale!.name, databaseBytes: bytes, on: summarize(on), off: summarize(off), ratio: ratios(on, off) };
    console.log(`${scale!.name}: backup with counts p50 ${fmtMs(result.on.median)}, without ${fmtMs(result.off.median)}, ratio ${result.ratio.median.toFixed(3)}`);
    const dir = join(import.meta.dirname, 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `row-counts-overhead-${scale!.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await pool.end();
    await cleanupAll();
  }
}

await main();
