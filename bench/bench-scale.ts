/** One scale measured end to end: backup, restore, storage, day of changes; plus audit and trigger latency. */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { runMigrations } from '../src/db/migrations/runner';
import { MIGRATIONS_PATH } from '../plugins/backup/index';
import { benchAudit, type AuditBenchResult } from './audit';
import { applyDayOfChanges, changedInPlaceShare, generateDataset, type ChangePattern } from './dataset';
import { RESTORE_JOBS } from '../plugins/backup/restore/restore-backup';
import { recordDay, secondBackup, startChunkingRun, type BackupRoot, type SweepEntry } from './chunk-sweep';
import { measureTriggerLatency, type TriggerLatencyResult } from './trigger-latency';
import { fmtBytes, fmtMs, ratios, summarize } from './stats';
import { createDatabase, dropOwnedDatabase, log, objectSizes, openPool, pgDumpArgs, pgRestoreArgs, removeDir, runWorker, tempDir, timeTool, totalSize } from './tools';
import type { WorkerResult } from './worker';
import { CHUNK_SWEEP, isDefaultChunking, type Scale } from './scales';
import type { ChunkingRun, DayResult, ScaleResult } from './results';
import { RESTIC_ABSENT, ResticSide, type ResticResult } from './restic';



export async function benchScale(scale: Scale, runs: number): Promise<ScaleResult> {
  const source = await createDatabase('src');
  const pool = openPool(source);
  const restic = await ResticSide.open();
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
    const resticLog: string[] = [];
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
        ...(restic
          ? [
              async () => {
                const r = await restic.backup(source);
                resticLog[round] = `, restic ${fmtMs(r.wallMs)} (${fmtBytes(r.storedBytes)})`;
              },
            ]
          : []),
      ];
      // Rotate the order each round so that no method always runs on a cold (or warm) cache.
      for (let i = 0; i < steps.length; i++) await steps[(i + round) % steps.length]!();
      log(
        `${scale.name} backup round ${round + 1}/${runs}: floor ${fmtMs(floor.at(-1)!)}, ours ${fmtMs(ours.at(-1)!.durationMs)}, ` +
          `cotton ${fmtMs(cotton.at(-1)!.durationMs)}${resticLog[round] ?? ''}; stored ${fmtBytes(oursStored.at(-1)!)} vs ${fmtBytes(cottonStored.at(-1)!)}`,
      );
    }
    const oursMs = ours.map((r) => r.durationMs);
    const cottonMs = cotton.map((r) => r.durationMs);

    // Restore: ours (verify every chunk, then pg_restore -j RESTORE_JOBS) vs pg_restore with the
    // same number of jobs of a local file holding the very same dump bytes (pg_dump -Fc -Z0), each
    // into a fresh empty database.
    const dumpDir = await tempDir('dumpfile');
    const dumpFile = join(dumpDir, 'local.dump');
    await timeTool('pg_dump', pgDumpArgs(source, dumpFile), source);
    const pgRestoreMs: number[] = [];
    const restores: WorkerResult[] = [];
    for (let round = 0; round < runs; round++) {
      const steps: (() => Promise<void>)[] = [
        async () => {
          const db = await createDatabase('pgr');
          pgRestoreMs.push(await timeTool('pg_restore', pgRestoreArgs(db, dumpFile, RESTORE_JOBS), db));
          await dropOwnedDatabase(db);
        },
        async () => {
          const db = await createDatabase('rst');
          const work = await tempDir('restore-data');
          restores.push(await runWorker({ op: 'restore', database: db, storageRoot: join(keptOurs, 'files'), dataPath: work }));
          await removeDir(work);
          await dropOwnedDatabase(db);
        },
        ...(restic ? [async () => void (resticLog[round] = `, restic ${fmtMs((await restic.restore(RESTORE_JOBS)).wallMs)}`)] : []),
      ];
      for (let i = 0; i < steps.length; i++) await steps[(i + round) % steps.length]!();
      log(
        `${scale.name} restore round ${round + 1}/${runs}: pg_restore -j ${RESTORE_JOBS} ${fmtMs(pgRestoreMs.at(-1)!)}, ` +
          `ours ${fmtMs(restores.at(-1)!.durationMs)}${resticLog[round] ?? ''}`,
      );
    }
    await removeDir(dumpDir);
    const restoreMs = restores.map((r) => r.durationMs);
    const cpu = { backup: ours.map((r) => r.cpuMs), restore: restores.map((r) => r.cpuMs) };
    const resticResult: ResticResult = restic
      ? restic.result({ floorMs: floor, backupMs: oursMs, backupCpuMs: cpu.backup, storedBytes: oursStored, restoreMs, restoreCpuMs: cpu.restore }, RESTORE_JOBS)
      : { available: false, reason: RESTIC_ABSENT };
    await restic?.close();

    // A day of changes, then a second backup into the same storage: what it adds, like for like.
    // Every other chunk size of the sweep gets a storage root of its own (first backup, restore).
    const sweep: SweepEntry[] = [];
    if (scale.chunkSweep) {
      for (const chunking of CHUNK_SWEEP.filter((c) => !isDefaultChunking(c))) sweep.push(await startChunkingRun(scale.name, source, chunking));
    }
    const oursRoot: BackupRoot = { op: 'backup', root: keptOurs, firstStoredBytes: oursStored.at(-1)! };
    const cottonRoot: BackupRoot = { op: 'cotton', root: keptCotton, firstStoredBytes: cottonStored.at(-1)! };
    const oursObjects = (await objectSizes(join(keptOurs, 'files'))).size;
    const changedShare = await changedInPlaceShare(pool);
    const days: DayResult[] = [];
    let files = scale.files;
    for (const pattern of ['clustered', 'scattered'] as ChangePattern[]) {
      const applied = await applyDayOfChanges(pool, files, pattern);
      files = applied.files;
      const day: DayResult = { change: applied.change, ours: await secondBackup(source, oursRoot), cotton: await secondBackup(source, cottonRoot) };
      for (const entry of sweep) recordDay(entry, pattern, await secondBackup(source, entry.target));
      days.push(day);
      log(
        `${scale.name} day of changes (${pattern}: +${applied.change.inserted} ~${applied.change.updated} -${applied.change.deleted} rows): ` +
          `ours ${day.ours.plaintextPercent.toFixed(1)} % new plaintext, ${day.ours.storedPercent.toFixed(1)} % new stored; ` +
          `Cotton ${day.cotton.plaintextPercent.toFixed(1)} % / ${day.cotton.storedPercent.toFixed(1)} %`,
      );
    }
    for (const dir of [keptOurs, keptCotton, ...sweep.map((e) => e.target.root)]) await removeDir(dir);
    const defaultRun: ChunkingRun = {
      chunking: CHUNK_SWEEP.find(isDefaultChunking)!,
      firstBackupMs: summarize(oursMs).median,
      storedBytes: oursStored.at(-1)!,
      objects: oursObjects,
      peakRssBytes: summarize(ours.map((r) => r.peakRssBytes)).median,
      restoreMs: summarize(restoreMs).median,
      days: days.map((d) => ({ pattern: d.change.pattern, second: d.ours })),
    };
    const chunkSweep = scale.chunkSweep
      ? [...sweep.map((e) => e.run), defaultRun].sort((x, y) => x.chunking.avgBytes - y.chunking.avgBytes)
      : undefined;

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
        jobs: RESTORE_JOBS,
      },
      rss: {
        backup: summarize(ours.map((r) => r.peakRssBytes)),
        restore: summarize(restores.map((r) => r.peakRssBytes)),
        cottonWay: summarize(cotton.map((r) => r.peakRssBytes)),
        startRss: summarize([...ours, ...restores].map((r) => r.startRssBytes)),
      },
      days,
      changedInPlaceShare: changedShare,
      cpuMs: { backup: summarize(cpu.backup), restore: summarize(cpu.restore) },
      restic: resticResult,
      ...(chunkSweep ? { chunkSweep } : {}),
    };
  } finally {
    await restic?.close();
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

