/** One scale measured end to end: backup, restore, storage, day of changes; plus audit and trigger latency. */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { runMigrations } from '../src/db/migrations/runner';
import { MIGRATIONS_PATH } from '../plugins/backup/index';
import { benchAudit, type AuditBenchResult } from './audit';
import { applyDayOfChanges, generateDataset, type ChangePattern } from './dataset';
import { measureTriggerLatency, type TriggerLatencyResult } from './trigger-latency';
import { fmtBytes, fmtMs, ratios, summarize } from './stats';
import { createDatabase, dropOwnedDatabase, newObjectBytes, objectSizes, openPool, pgDumpArgs, pgRestoreArgs, removeDir, runWorker, tempDir, timeTool, totalSize } from './tools';
import type { WorkerResult } from './worker';
import { ALT_CHUNKING, altLabel, chunkingEnv, type Scale } from './scales';
import type { DayResult, ScaleResult } from './results';


export const log = (text: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);

export async function benchScale(scale: Scale, runs: number): Promise<ScaleResult> {
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

export async function benchAuditQueries(events: number, runs: number): Promise<AuditBenchResult> {
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
export async function benchTriggerLatency(n: number): Promise<TriggerLatencyResult> {
  log(`trigger latency: ${n} requests per path, request → BackupStarted (NOTIFY and request_checkpoint())`);
  return measureTriggerLatency({ n, output: null });
}

// ---- report -----------------------------------------------------------------------------------

