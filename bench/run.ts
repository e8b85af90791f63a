/**
 * The benchmark suite: how fast, how small, how lean — against pg_dump, pg_restore and Cotton's
 * own way, each figure a ratio against a baseline measured in the same run.
 *
 *   npm run bench                 quick mode (~60 MB database, 3 runs, 100 k audit events; < 3 min)
 *   npm run bench:full            ~300 MB and ~1.5 GB databases, 3 runs, 1 M audit events
 *   options: --runs N  --scales tiny,quick,300MB,1.5GB  --no-audit  --no-trigger  --audit-events N
 *            --trigger-requests N  --no-write (skip BENCHMARKS.md)  --merge (keep the last run's other figures)
 *            --render (rewrite BENCHMARKS.md from bench/results/<mode>.json, measuring nothing)
 *
 * Writes bench/results/latest.json and the summary into BENCHMARKS.md (between the markers of
 * the mode). Creates only bench_* databases and bench-* temp folders, and removes them at the end,
 * also on failure or Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { runMigrations } from '../src/db/migrations/runner';
import { MIGRATIONS_PATH } from '../plugins/backup/index';
import { benchAudit, type AuditBenchResult } from './audit';
import { applyDayOfChanges, generateDataset, type ChangePattern, type DayOfChanges } from './dataset';
import { machineInfo, type MachineInfo } from './machine';
import { measureTriggerLatency, type TriggerLatencyResult } from './trigger-latency';
import { fmtBytes, fmtMs, fmtRatio, fmtSpread, ratios, summarize, type Summary } from './stats';
import {
  cleanupAll,
  createDatabase,
  dropOwnedDatabase,
  newObjectBytes,
  objectSizes,
  openPool,
  pgDumpArgs,
  pgRestoreArgs,
  removeDir,
  runWorker,
  tempDir,
  timeTool,
  totalSize,
} from './tools';
import type { WorkerResult } from './worker';
import type { ChunkingParameters } from '../plugins/backup/chunking/fastcdc';

interface Scale {
  name: string;
  /** generateDataset units; ~1.2 KB of database per file. */
  files: number;
  /** Also measure the day of changes with ALT_CHUNKING (skipped at the largest scale to save time). */
  smallChunks: boolean;
}

const SCALES: Record<string, Scale> = {
  /** For developing the suite itself: seconds, not minutes. */
  tiny: { name: 'tiny', files: 10_000, smallChunks: true },
  quick: { name: 'quick', files: 50_000, smallChunks: true },
  '300MB': { name: '300MB', files: 250_000, smallChunks: true },
  '1.5GB': { name: '1.5GB', files: 1_250_000, smallChunks: false },
};

/** Smaller content-defined chunks than the default, for the day-of-changes comparison. */
const ALT_CHUNKING: ChunkingParameters = { minBytes: 16 * 1024, avgBytes: 64 * 1024, maxBytes: 256 * 1024 };
const altLabel = `${ALT_CHUNKING.avgBytes / 1024} KiB chunks`;

function chunkingEnv(c: ChunkingParameters): Record<string, string> {
  return { COTTON_CHUNK_MIN_BYTES: String(c.minBytes), COTTON_CHUNK_AVG_BYTES: String(c.avgBytes), COTTON_CHUNK_MAX_BYTES: String(c.maxBytes) };
}

interface Options {
  full: boolean;
  runs: number;
  scales: Scale[];
  auditEvents: number;
  auditRuns: number;
  audit: boolean;
  triggerRequests: number;
  write: boolean;
  /** Keep what bench/results/<mode>.json holds for the steps this run does not measure. */
  merge: boolean;
}

function parseOptions(argv: string[]): Options {
  const full = argv.includes('--full');
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const scaleNames = value('--scales')?.split(',') ?? (full ? ['300MB', '1.5GB'] : ['quick']);
  const scales = scaleNames.map((n) => {
    const scale = SCALES[n];
    if (!scale) throw new Error(`unknown scale ${n}; known: ${Object.keys(SCALES).join(', ')}`);
    return scale;
  });
  return {
    full,
    runs: Number(value('--runs') ?? 3),
    scales,
    auditEvents: Number(value('--audit-events') ?? (full ? 1_000_000 : 100_000)),
    auditRuns: 50,
    audit: !argv.includes('--no-audit'),
    triggerRequests: argv.includes('--no-trigger') ? 0 : Number(value('--trigger-requests') ?? (full ? 100 : 20)),
    write: !argv.includes('--no-write'),
    merge: argv.includes('--merge'),
  };
}

interface PairedFigure {
  ours: Summary;
  baseline: Summary;
  /** Per-round ratio ours / baseline. */
  ratio: Summary;
}

interface SecondBackup {
  dumpBytes: number;
  newObjectBytes: number;
  newObjects: number;
  newPlaintextBytes: number;
  durationMs: number;
  percentOfDump: number;
}

interface DayResult {
  change: DayOfChanges;
  /** With the default chunking (COTTON_CHUNK_* defaults: 256 KiB / 1 MiB / 4 MiB). */
  ours: SecondBackup;
  /** With ALT_CHUNKING (when the scale measures it). */
  oursSmallChunks?: SecondBackup;
  cotton: { dumpBytes: number; newObjectBytes: number; newObjects: number; durationMs: number; percentOfDump: number };
}

interface ScaleResult {
  scale: string;
  measuredAt: string;
  files: number;
  databaseBytes: number;
  generateMs: number;
  /** Our dump (pg_dump -Fc -Z0) size; Cotton's compressed dump size. */
  dumpBytes: number;
  cottonDumpBytes: number;
  backupVsFloor: PairedFigure;
  backupVsCotton: PairedFigure;
  storedBytes: { ours: Summary; cotton: Summary; ratio: Summary };
  /** Inside ours: the verification pass, and the pg_restore step (extensions + pg_restore -j 2). */
  restore: PairedFigure & { verifyMs: Summary; pgRestoreStepMs?: Summary };
  rss: { backup: Summary; restore: Summary; cottonWay: Summary; startRss: Summary };
  days: DayResult[];
  /** The first backup with ALT_CHUNKING (one run): the price of smaller chunks. */
  smallChunks?: { chunking: ChunkingParameters; firstBackupMs: number; storedBytes: number; peakRssBytes: number };
}

interface BenchResults {
  mode: 'quick' | 'full';
  startedAt: string;
  durationMs: number;
  machine: MachineInfo;
  runs: number;
  scales: ScaleResult[];
  audit?: AuditBenchResult;
  triggerLatency?: TriggerLatencyResult;
  /** 1-, 5-, 15-minute load averages at the start and the end: the machine is shared. */
  loadAverage: { start: number[]; end: number[] };
  /** Steps not (yet) measured: non-empty while running, or when the run was cut short. */
  pending: string[];
  /** With --merge: the start of the earlier run whose other figures this one kept. */
  mergedFrom?: string;
}

async function readResults(path: string): Promise<BenchResults | undefined> {
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as BenchResults) : undefined;
}

const log = (text: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);

async function benchScale(scale: Scale, runs: number): Promise<ScaleResult> {
  const source = await createDatabase('src');
  const pool = openPool(source);
  try {
    log(`${scale.name}: generating ${scale.files.toLocaleString('en')} files of Cotton-shaped rows in ${source}`);
    const generateStarted = performance.now();
    await runMigrations(pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    const databaseBytes = await generateDataset(pool, scale.files);
    const generateMs = performance.now() - generateStarted;
    log(`${scale.name}: database ${fmtBytes(databaseBytes)} in ${fmtMs(generateMs)}`);

    const floor: number[] = [];
    const ours: WorkerResult[] = [];
    const cotton: WorkerResult[] = [];
    const oursStored: number[] = [];
    const cottonStored: number[] = [];
    let keptOurs = '';
    let keptCotton = '';
    for (let round = 0; round < runs; round++) {
      const steps: (() => Promise<void>)[] = [
        async () => {
          const devNull = await open('/dev/null', 'w');
          try {
            floor.push(await timeTool('pg_dump', pgDumpArgs(source), source, devNull.fd));
          } finally {
            await devNull.close();
          }
        },
        async () => {
          const root = await tempDir('ours');
          const result = await runWorker({ op: 'backup', database: source, storageRoot: join(root, 'files'), dataPath: join(root, 'data') });
          ours.push(result);
          oursStored.push(totalSize(await objectSizes(join(root, 'files'))));
          if (keptOurs) await removeDir(keptOurs);
          keptOurs = root;
        },
        async () => {
          const root = await tempDir('cotton');
          const result = await runWorker({ op: 'cotton', database: source, storageRoot: join(root, 'files'), dataPath: join(root, 'data') });
          cotton.push(result);
          cottonStored.push(totalSize(await objectSizes(join(root, 'files'))));
          if (keptCotton) await removeDir(keptCotton);
          keptCotton = root;
        },
      ];
      // Rotate the order each round so that no method always runs on a cold (or warm) cache.
      for (let i = 0; i < steps.length; i++) await steps[(i + round) % steps.length]!();
      log(
        `${scale.name} backup round ${round + 1}/${runs}: floor ${fmtMs(floor.at(-1)!)}, ours ${fmtMs(ours.at(-1)!.durationMs)}, ` +
          `cotton ${fmtMs(cotton.at(-1)!.durationMs)}; stored ${fmtBytes(oursStored.at(-1)!)} vs ${fmtBytes(cottonStored.at(-1)!)}`,
      );
    }
    const oursMs = ours.map((r) => r.durationMs);
    const cottonMs = cotton.map((r) => r.durationMs);

    // Restore: ours (verify every chunk, then pg_restore -j 2) vs pg_restore -j 2 of a local file
    // holding the very same dump bytes (pg_dump -Fc -Z0), each into a fresh empty database.
    const dumpDir = await tempDir('dumpfile');
    const dumpFile = join(dumpDir, 'local.dump');
    await timeTool('pg_dump', pgDumpArgs(source, dumpFile), source);
    const pgRestoreMs: number[] = [];
    const restores: WorkerResult[] = [];
    for (let round = 0; round < runs; round++) {
      const steps: (() => Promise<void>)[] = [
        async () => {
          const db = await createDatabase('pgr');
          pgRestoreMs.push(await timeTool('pg_restore', pgRestoreArgs(db, dumpFile, 2), db));
          await dropOwnedDatabase(db);
        },
        async () => {
          const db = await createDatabase('rst');
          const work = await tempDir('restore-data');
          restores.push(await runWorker({ op: 'restore', database: db, storageRoot: join(keptOurs, 'files'), dataPath: work }));
          await removeDir(work);
          await dropOwnedDatabase(db);
        },
      ];
      for (let i = 0; i < steps.length; i++) await steps[(i + round) % steps.length]!();
      log(`${scale.name} restore round ${round + 1}/${runs}: pg_restore -j 2 ${fmtMs(pgRestoreMs.at(-1)!)}, ours ${fmtMs(restores.at(-1)!.durationMs)}`);
    }
    await removeDir(dumpDir);
    const restoreMs = restores.map((r) => r.durationMs);

    // A day of changes, then a second backup into the same storage: what it adds. Also with
    // smaller content-defined chunks (ALT_CHUNKING), in a storage root of their own, to show
    // what the chunk size trades.
    const altRoot = await tempDir('ours-alt');
    const altEnv = chunkingEnv(ALT_CHUNKING);
    const altBackup = () => runWorker({ op: 'backup', database: source, storageRoot: join(altRoot, 'files'), dataPath: join(altRoot, 'data'), env: altEnv });
    const altFirst = scale.smallChunks ? await altBackup() : undefined;
    const altStoredBytes = totalSize(await objectSizes(join(altRoot, 'files')));
    if (altFirst) log(`${scale.name} first backup with ${altLabel}: ${fmtMs(altFirst.durationMs)}, stored ${fmtBytes(altStoredBytes)}`);
    const days: DayResult[] = [];
    let files = scale.files;
    for (const pattern of ['clustered', 'scattered'] as ChangePattern[]) {
      const applied = await applyDayOfChanges(pool, files, pattern);
      files = applied.files;
      const beforeOurs = await objectSizes(join(keptOurs, 'files'));
      const second = await runWorker({ op: 'backup', database: source, storageRoot: join(keptOurs, 'files'), dataPath: join(keptOurs, 'data') });
      const addedOurs = newObjectBytes(beforeOurs, await objectSizes(join(keptOurs, 'files')));
      const beforeCotton = await objectSizes(join(keptCotton, 'files'));
      const secondCotton = await runWorker({ op: 'cotton', database: source, storageRoot: join(keptCotton, 'files'), dataPath: join(keptCotton, 'data') });
      const addedCotton = newObjectBytes(beforeCotton, await objectSizes(join(keptCotton, 'files')));
      const beforeAlt = await objectSizes(join(altRoot, 'files'));
      const secondAlt = altFirst ? await altBackup() : undefined;
      const addedAlt = newObjectBytes(beforeAlt, await objectSizes(join(altRoot, 'files')));
      const dumpBytes = Number(second.details.dumpSizeBytes);
      const cottonDump = Number(secondCotton.details.dumpSizeBytes);
      const day: DayResult = {
        change: applied.change,
        ours: {
          dumpBytes,
          newObjectBytes: addedOurs.bytes,
          newObjects: addedOurs.objects,
          newPlaintextBytes: Number(second.details.newPlaintextBytes),
          durationMs: second.durationMs,
          percentOfDump: (100 * addedOurs.bytes) / dumpBytes,
        },
        ...(secondAlt
          ? {
              oursSmallChunks: {
                dumpBytes: Number(secondAlt.details.dumpSizeBytes),
                newObjectBytes: addedAlt.bytes,
                newObjects: addedAlt.objects,
                newPlaintextBytes: Number(secondAlt.details.newPlaintextBytes),
                durationMs: secondAlt.durationMs,
                percentOfDump: (100 * addedAlt.bytes) / Number(secondAlt.details.dumpSizeBytes),
              },
            }
          : {}),
        cotton: {
          dumpBytes: cottonDump,
          newObjectBytes: addedCotton.bytes,
          newObjects: addedCotton.objects,
          durationMs: secondCotton.durationMs,
          percentOfDump: (100 * addedCotton.bytes) / cottonDump,
        },
      };
      days.push(day);
      log(
        `${scale.name} day of changes (${pattern}: +${applied.change.inserted} ~${applied.change.updated} -${applied.change.deleted} rows): ` +
          `ours wrote ${fmtBytes(addedOurs.bytes)} (${day.ours.percentOfDump.toFixed(1)} % of the dump), ` +
          (day.oursSmallChunks ? `with ${altLabel} ${fmtBytes(addedAlt.bytes)} (${day.oursSmallChunks.percentOfDump.toFixed(1)} %), ` : '') +
          `Cotton ${fmtBytes(addedCotton.bytes)} (${day.cotton.percentOfDump.toFixed(1)} %)`,
      );
    }
    await removeDir(keptOurs);
    await removeDir(keptCotton);
    await removeDir(altRoot);

    return {
      scale: scale.name,
      measuredAt: new Date().toISOString(),
      files: scale.files,
      databaseBytes,
      generateMs,
      dumpBytes: Number(ours[0]!.details.dumpSizeBytes),
      cottonDumpBytes: Number(cotton[0]!.details.dumpSizeBytes),
      backupVsFloor: { ours: summarize(oursMs), baseline: summarize(floor), ratio: ratios(oursMs, floor) },
      backupVsCotton: { ours: summarize(oursMs), baseline: summarize(cottonMs), ratio: ratios(cottonMs, oursMs) },
      storedBytes: { ours: summarize(oursStored), cotton: summarize(cottonStored), ratio: ratios(oursStored, cottonStored) },
      restore: {
        ours: summarize(restoreMs),
        baseline: summarize(pgRestoreMs),
        ratio: ratios(restoreMs, pgRestoreMs),
        verifyMs: summarize(restores.map((r) => Number(r.details.verifyMs))),
        pgRestoreStepMs: summarize(restores.map((r) => Number(r.details.restoreMs))),
      },
      rss: {
        backup: summarize(ours.map((r) => r.peakRssBytes)),
        restore: summarize(restores.map((r) => r.peakRssBytes)),
        cottonWay: summarize(cotton.map((r) => r.peakRssBytes)),
        startRss: summarize([...ours, ...restores].map((r) => r.startRssBytes)),
      },
      days,
      ...(altFirst
        ? { smallChunks: { chunking: ALT_CHUNKING, firstBackupMs: altFirst.durationMs, storedBytes: altStoredBytes, peakRssBytes: altFirst.peakRssBytes } }
        : {}),
    };
  } finally {
    await pool.end();
    await dropOwnedDatabase(source);
  }
}

async function benchAuditQueries(events: number, runs: number): Promise<AuditBenchResult> {
  const db = await createDatabase('audit');
  const pool = openPool(db);
  try {
    await runMigrations(pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
    log(`audit: inserting ${events.toLocaleString('en')} events`);
    const result = await benchAudit(pool, events, runs);
    log(`audit: ${result.events} events in ${fmtMs(result.insertMs)}; backupAudit ${fmtMs(result.backupAuditMs.median)}, recentAudit ${fmtMs(result.recentAuditMs.median)}`);
    return result;
  } finally {
    await pool.end();
    await dropOwnedDatabase(db);
  }
}

/** Request → BackupStarted latency of NOTIFY and request_checkpoint(), on a running host (bench/trigger-latency.ts). */
async function benchTriggerLatency(n: number): Promise<TriggerLatencyResult> {
  log(`trigger latency: ${n} requests per path, request → BackupStarted (NOTIFY and request_checkpoint())`);
  return measureTriggerLatency({ n, output: null });
}

// ---- report -----------------------------------------------------------------------------------

interface Row {
  metric: string;
  ours: string;
  baseline: string;
  ratio: string;
  target: string;
  met: string;
}

const yes = (ok: boolean) => (ok ? 'yes' : 'NO');

function rowsFor(s: ScaleResult): Row[] {
  const mib = (n: number) => fmtBytes(n);
  const rows: Row[] = [
    {
      metric: `backup wall time (to pointer) vs pg_dump -Fc -Z0 > /dev/null`,
      ours: fmtSpread(s.backupVsFloor.ours, fmtMs),
      baseline: fmtSpread(s.backupVsFloor.baseline, fmtMs),
      ratio: fmtSpread(s.backupVsFloor.ratio, fmtRatio),
      target: '≤ 1.25×',
      met: yes(s.backupVsFloor.ratio.median <= 1.25),
    },
    {
      metric: `backup: Cotton's way ÷ ours (speed-up)`,
      ours: fmtSpread(s.backupVsCotton.ours, fmtMs),
      baseline: fmtSpread(s.backupVsCotton.baseline, fmtMs),
      ratio: fmtSpread(s.backupVsCotton.ratio, fmtRatio),
      target: '≥ 3×',
      met: yes(s.backupVsCotton.ratio.median >= 3),
    },
    {
      metric: `stored bytes, first backup vs Cotton's way`,
      ours: fmtSpread(s.storedBytes.ours, mib),
      baseline: fmtSpread(s.storedBytes.cotton, mib),
      ratio: fmtSpread(s.storedBytes.ratio, fmtRatio),
      target: '≤ 1×',
      met: yes(s.storedBytes.ratio.median <= 1),
    },
  ];
  for (const day of s.days) {
    rows.push({
      metric: `new bytes after a day of changes (${day.change.pattern}), % of the dump`,
      ours: `${fmtBytes(day.ours.newObjectBytes)} = ${day.ours.percentOfDump.toFixed(1)} %`,
      baseline: `${fmtBytes(day.cotton.newObjectBytes)} = ${day.cotton.percentOfDump.toFixed(1)} %`,
      ratio: fmtRatio(day.ours.newObjectBytes / day.cotton.newObjectBytes),
      target: '≤ 15 %',
      met: yes(day.ours.percentOfDump <= 15),
    });
    if (day.oursSmallChunks) rows.push({
      metric: `  same, ours with ${altLabel} (not the default)`,
      ours: `${fmtBytes(day.oursSmallChunks.newObjectBytes)} = ${day.oursSmallChunks.percentOfDump.toFixed(1)} %`,
      baseline: `${fmtBytes(day.cotton.newObjectBytes)} = ${day.cotton.percentOfDump.toFixed(1)} %`,
      ratio: fmtRatio(day.oursSmallChunks.newObjectBytes / day.cotton.newObjectBytes),
      target: '≤ 15 %',
      met: yes(day.oursSmallChunks.percentOfDump <= 15),
    });
  }
  rows.push(
    {
      metric: `restore with verification vs pg_restore -j 2 (local file)`,
      ours: fmtSpread(s.restore.ours, fmtMs),
      baseline: fmtSpread(s.restore.baseline, fmtMs),
      ratio: fmtSpread(s.restore.ratio, fmtRatio),
      target: '≤ 1.3×',
      met: yes(s.restore.ratio.median <= 1.3),
    },
    {
      metric: `peak RSS of our process, backup (Cotton's way in baseline column)`,
      ours: fmtSpread(s.rss.backup, mib),
      baseline: fmtSpread(s.rss.cottonWay, mib),
      ratio: '',
      target: '≤ 200 MB',
      met: yes(s.rss.backup.max <= 200e6),
    },
    {
      metric: `peak RSS of our process, restore`,
      ours: fmtSpread(s.rss.restore, mib),
      baseline: '',
      ratio: '',
      target: '≤ 200 MB',
      met: yes(s.rss.restore.max <= 200e6),
    },
  );
  return rows;
}

function markdownTable(rows: Row[]): string {
  const header = '| metric | ours | baseline | ratio | target | met |\n| --- | --: | --: | --: | --: | :-: |';
  return [header, ...rows.map((r) => `| ${r.metric} | ${r.ours} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met} |`)].join('\n');
}

function textTable(rows: Row[]): string {
  const cols: (keyof Row)[] = ['metric', 'ours', 'baseline', 'ratio', 'target', 'met'];
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (r: Record<string, string>) => cols.map((c, i) => r[c]!.padEnd(widths[i]!)).join('  ');
  return [line(Object.fromEntries(cols.map((c) => [c, c]))), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line({ ...r }))].join('\n');
}

function auditRows(audit: AuditBenchResult): Row[] {
  return [
    {
      metric: `backupAudit (one backup's history) at ${audit.events.toLocaleString('en')} events, ${audit.runs} runs`,
      ours: fmtSpread(audit.backupAuditMs, fmtMs),
      baseline: '',
      ratio: '',
      target: '≤ 10 ms',
      met: yes(audit.backupAuditMs.median <= 10),
    },
    {
      metric: `recentAudit (last 100 events) at ${audit.events.toLocaleString('en')} events, ${audit.runs} runs`,
      ours: fmtSpread(audit.recentAuditMs, fmtMs),
      baseline: '',
      ratio: '',
      target: '≤ 10 ms',
      met: yes(audit.recentAuditMs.median <= 10),
    },
  ];
}

function scaleHeading(s: ScaleResult, runs: number): string {
  return (
    `${s.scale}: database ${fmtBytes(s.databaseBytes)} (pg_database_size), ${s.files.toLocaleString('en')} files, ` +
    `dump ${fmtBytes(s.dumpBytes)} uncompressed / ${fmtBytes(s.cottonDumpBytes)} pg_dump-compressed, ${runs} runs, median (min–max); ` +
    `finished ${(s.measuredAt ?? '?').slice(0, 16).replace('T', ' ')} UTC`
  );
}

function dayNotes(s: ScaleResult): string[] {
  const small = s.smallChunks;
  const smallNote = small
    ? [
        `${s.scale} first backup with ${altLabel}: ${fmtMs(small.firstBackupMs)} (default chunks: ${fmtMs(s.backupVsFloor.ours.median)}), ` +
          `stored ${fmtBytes(small.storedBytes)} (default: ${fmtBytes(s.storedBytes.ours.median)}), peak RSS ${fmtBytes(small.peakRssBytes)}`,
      ]
    : [];
  const restoreSplit = s.restore.pgRestoreStepMs
    ? [
        `${s.scale} restore, inside ours: verification pass ${fmtSpread(s.restore.verifyMs, fmtMs)}, ` +
          `pg_restore step ${fmtSpread(s.restore.pgRestoreStepMs, fmtMs)} (baseline pg_restore ${fmtSpread(s.restore.baseline, fmtMs)})`,
      ]
    : [`${s.scale} restore, inside ours: verification pass ${fmtSpread(s.restore.verifyMs, fmtMs)}`];
  return [...restoreSplit, ...smallNote, ...s.days.map(
    (d) =>
      `${s.scale} day of changes, ${d.change.pattern}: +${d.change.inserted} / ~${d.change.updated} / -${d.change.deleted} rows of ${d.change.rowsBefore} ` +
      `(${((100 * d.change.inserted) / d.change.rowsBefore).toFixed(2)} % / ${((100 * d.change.updated) / d.change.rowsBefore).toFixed(2)} % / ` +
      `${((100 * d.change.deleted) / d.change.rowsBefore).toFixed(2)} %); second backup ${fmtMs(d.ours.durationMs)}, ${d.ours.newObjects} new objects ` +
      `(${fmtBytes(d.ours.newPlaintextBytes)} new plaintext); ${d.oursSmallChunks ? `with ${altLabel} ${fmtMs(d.oursSmallChunks.durationMs)}, ${d.oursSmallChunks.newObjects} new objects; ` : ''}` +
      `Cotton's way ${fmtMs(d.cotton.durationMs)}, ${d.cotton.newObjects} new objects`,
  )];
}

function triggerRows(t: TriggerLatencyResult): Row[] {
  const row = (name: string, stats: TriggerLatencyResult['notify']): Row[] => [
    { metric: `request → BackupStarted, ${name}, p50 (${stats.n} requests)`, ours: fmtMs(stats.p50Ms), baseline: '', ratio: '', target: '≤ 100 ms', met: yes(stats.p50Ms <= 100) },
    { metric: `request → BackupStarted, ${name}, p99 (max ${fmtMs(stats.maxMs)})`, ours: fmtMs(stats.p99Ms), baseline: '', ratio: '', target: '≤ 1 s', met: yes(stats.p99Ms <= 1000) },
  ];
  return [...row('NOTIFY', t.notify), ...row('request_checkpoint()', t.requestCheckpoint)];
}

const TRIGGER_NOT_MEASURED = 'not measured in this run (--no-trigger)';

function renderText(results: BenchResults): string {
  const parts: string[] = [];
  for (const s of results.scales) {
    parts.push(scaleHeading(s, results.runs), textTable(rowsFor(s)), ...dayNotes(s).map((n) => `  ${n}`), '');
  }
  if (results.audit) parts.push(`audit (${fmtMs(results.audit.insertMs)} to insert the events)`, textTable(auditRows(results.audit)), '');
  if (results.triggerLatency) parts.push('trigger latency (a running host, small database)', textTable(triggerRows(results.triggerLatency)));
  else parts.push(`trigger latency: ${TRIGGER_NOT_MEASURED}`);
  parts.push(`load average (1/5/15 min) at start ${results.loadAverage.start.join(' / ')}, at end ${results.loadAverage.end.join(' / ')}`);
  return parts.join('\n');
}

function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const parts: string[] = [
    `Measured ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC, \`${results.mode === 'full' ? 'npm run bench:full' : 'npm run bench'}\`, ` +
      `${fmtMs(results.durationMs)} in all. Machine: ${m.cpus} × ${m.cpuModel}, ${fmtBytes(m.memoryBytes)} RAM, ${m.postgres}, Node ${m.node}, ${m.disk}.`,
    '',
  ];
  if (results.mergedFrom) {
    parts.push(`Figures not re-measured in this run (see each heading) are from the run of ${results.mergedFrom.slice(0, 16).replace('T', ' ')} UTC.`, '');
  }
  for (const s of results.scales) {
    parts.push(`**${scaleHeading(s, results.runs)}**`, '', markdownTable(rowsFor(s)), '', ...dayNotes(s).map((n) => `- ${n}`), '');
  }
  if (results.audit) {
    parts.push(`**Audit queries** (${results.audit.events.toLocaleString('en')} events inserted in ${fmtMs(results.audit.insertMs)}, ${results.audit.insertEventsPerSecond.toLocaleString('en')} events/s through the hash trigger)`, '', markdownTable(auditRows(results.audit)), '');
  }
  if (results.triggerLatency) {
    parts.push(`**Trigger latency** (bench/trigger-latency.ts: a running host over a small database, one request at a time)`, '', markdownTable(triggerRows(results.triggerLatency)), '');
  } else {
    parts.push(`**Trigger latency:** ${TRIGGER_NOT_MEASURED}`, '');
  }
  if (results.pending.length > 0) parts.push(`**Incomplete run:** not measured: ${results.pending.join(', ')}.`, '');
  parts.push(`Load average (1/5/15 min) at the start ${results.loadAverage.start.join(' / ')}, at the end ${results.loadAverage.end.join(' / ')} (the machine is shared).`);
  return parts.join('\n');
}

async function writeBenchmarksMd(results: BenchResults): Promise<void> {
  const path = join(import.meta.dirname, '..', 'BENCHMARKS.md');
  const begin = `<!-- bench:${results.mode}:begin -->`;
  const end = `<!-- bench:${results.mode}:end -->`;
  const text = existsSync(path) ? await readFile(path, 'utf8') : '';
  const block = `${begin}\n${renderMarkdown(results)}\n${end}`;
  const at = text.indexOf(begin);
  const until = text.indexOf(end);
  const updated = at >= 0 && until > at ? text.slice(0, at) + block + text.slice(until + end.length) : `${text}\n${block}\n`;
  await writeFile(path, updated);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (process.argv.includes('--render')) {
    // Re-render BENCHMARKS.md from bench/results/<mode>.json, measuring nothing.
    const saved = await readResults(join(import.meta.dirname, 'results', `${options.full ? 'full' : 'quick'}.json`));
    if (!saved) throw new Error('no saved results to render');
    console.log(renderText(saved));
    await writeBenchmarksMd(saved);
    return;
  }
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const machine = await machineInfo();
  const loadStart = loadavg().map((n) => Number(n.toFixed(2)));
  log(`${options.full ? 'full' : 'quick'} mode, ${options.runs} runs, scales ${options.scales.map((s) => s.name).join(', ')}`);
  const results: BenchResults = {
    mode: options.full ? 'full' : 'quick',
    startedAt,
    durationMs: 0,
    machine,
    runs: options.runs,
    scales: [],
    loadAverage: { start: loadStart, end: [] },
    pending: [],
  };
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const previous = options.merge ? await readResults(join(dir, `${results.mode}.json`)) : undefined;
  if (previous) {
    // The figures this run does not re-measure, from the earlier run (its date stays in `mergedFrom`).
    const measured = new Set(options.scales.map((s) => s.name));
    results.scales = previous.scales.filter((s) => !measured.has(s.scale));
    if (!options.audit && previous.audit) results.audit = previous.audit;
    if (options.triggerRequests === 0 && previous.triggerLatency) results.triggerLatency = previous.triggerLatency;
    results.mergedFrom = previous.startedAt;
  }
  // Results are published after every step, so that a long full run cut short keeps what it measured.
  const publish = async () => {
    results.durationMs = performance.now() - started;
    results.loadAverage.end = loadavg().map((n) => Number(n.toFixed(2)));
    await writeFile(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(dir, `${results.mode}.json`), `${JSON.stringify(results, null, 2)}\n`);
    if (options.write) await writeBenchmarksMd(results);
  };
  // The smallest scale first, then the audit and the trigger latency, the largest scale last.
  const [first, ...rest] = options.scales;
  const steps: { name: string; run: () => Promise<void> }[] = [
    ...(first ? [{ name: `scale ${first.name}`, run: async () => void results.scales.push(await benchScale(first, options.runs)) }] : []),
    ...(options.audit
      ? [{ name: 'audit queries', run: async () => void (results.audit = await benchAuditQueries(options.auditEvents, options.auditRuns)) }]
      : []),
    ...(options.triggerRequests > 0
      ? [{ name: 'trigger latency', run: async () => void (results.triggerLatency = await benchTriggerLatency(options.triggerRequests)) }]
      : []),
    ...rest.map((scale) => ({ name: `scale ${scale.name}`, run: async () => void results.scales.push(await benchScale(scale, options.runs)) })),
  ];
  results.pending = steps.map((s) => s.name);
  for (const step of steps) {
    await step.run();
    results.pending = results.pending.filter((name) => name !== step.name);
    await publish();
  }
  console.log(`\n${renderText(results)}\n`);
  log(`done in ${fmtMs(results.durationMs)}; bench/results/latest.json${options.write ? ' and BENCHMARKS.md' : ''} written`);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: cleaning up bench_* databases and temp folders…`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

main()
  .then(
    () => 0,
    (error: unknown) => {
      console.error(error);
      return 1;
    },
  )
  .then(async (code) => {
    if (!interrupted) await cleanupAll();
    process.exit(code);
  });
