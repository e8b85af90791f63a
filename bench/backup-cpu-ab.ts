/**
 * The backup's CPU with two builds, A and B (two checkouts of this repository, each compiled into
 * its dist/), run in alternation over the same database: a change that saves a few % of CPU is
 * only visible in pairs measured back to back on a shared machine.
 *
 *   node --import tsx bench/backup-cpu-ab.ts <checkout A> <checkout B> [--scale quick|300MB] [--runs N]
 *
 * Each run is a fresh plain-Node process (bench/backup-cpu-run.mjs). Writes bench/results/backup-cpu-ab-<scale>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { abArguments, commitOf } from './ab-args';
import { MiB, summarize, type Summary } from './stats';
import { backupOnce, datasetDatabase, type BackupCpuRun as Run } from './backup-cpu';
import { cleanupAll, removeDir, tempDir } from './tools';

export async function compareBackupCpu(checkouts: [string, string], scaleName: string, runs: number) {
  const loadStart = loadavg();
  const { scale, database } = await datasetDatabase('cpu_ab', scaleName);
  const dir = await tempDir('cpu-ab');
  try {
    const results: Run[][] = [[], []];
    for (let round = 0; round < runs; round++) {
      for (const k of round % 2 === 0 ? [0, 1] : [1, 0]) {
        const root = join(dir, `objects-${round}-${k}`);
        results[k]!.push(await backupOnce(checkouts[k]!, database, root));
        await removeDir(root).catch(() => undefined);
      }
    }
    const perMiB = (r: Run, ms: number) => ms / (r.dumpBytes / MiB);
    const side = (k: number) => {
      const rs = results[k]!;
      const names = [...new Set(rs.flatMap((r) => Object.keys(r.threadsCpuMs)))];
      return {
        checkout: checkouts[k]!,
        commit: commitOf(checkouts[k]!),
        oursCpuMsPerMiB: summarize(rs.map((r) => perMiB(r, r.oursCpuMs))),
        threadsCpuMsPerMiB: Object.fromEntries(names.map((n) => [n, summarize(rs.map((r) => perMiB(r, r.threadsCpuMs[n] ?? 0))).median])),
        pgDumpCpuMsPerMiB: summarize(rs.map((r) => perMiB(r, r.pgDumpCpuMs))),
        majorGcs: summarize(rs.map((r) => r.majorGcs)),
      };
    };
    const a = side(0);
    const b = side(1);
    const paired: Summary = summarize(results[1]!.map((r, i) => perMiB(r, r.oursCpuMs) - perMiB(results[0]![i]!, results[0]![i]!.oursCpuMs)));
    return {
      measuredAt: new Date().toISOString(),
      scale: scale.name,
      runs,
      dumpBytes: results[0]![0]!.dumpBytes,
      a,
      b,
      /** B − A, ms of CPU per MiB, per pair. */
      pairedDifferenceMsPerMiB: paired,
      loadAverage: { start: loadStart.map((n) => Number(n.toFixed(2))), end: loadavg().map((n) => Number(n.toFixed(2))) },
    };
  } finally {
    await removeDir(dir).catch(() => undefined);
  }
}

if (process.argv[1]?.endsWith('backup-cpu-ab.ts')) {
  const { checkouts, scale, runs } = abArguments('backup-cpu-ab.ts');
  try {
    const result = await compareBackupCpu(checkouts, scale, runs);
    const f = (s: Summary) => `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
    for (const [name, s] of [['A', result.a], ['B', result.b]] as const) {
      console.log(`${name} ${s.commit}: ours ${f(s.oursCpuMsPerMiB)} ms/MiB; ${Object.entries(s.threadsCpuMsPerMiB).filter(([, v]) => v > 0).map(([n, v]) => `${n} ${v.toFixed(2)}`).join(', ')}; major GCs ${f(s.majorGcs)}`);
    }
    console.log(`B − A per pair: ${f(result.pairedDifferenceMsPerMiB)} ms of CPU per MiB (${result.runs} pairs, ${(result.dumpBytes / MiB).toFixed(1)} MiB dump)`);
    const dir = join(import.meta.dirname, 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `backup-cpu-ab-${result.scale}.json`), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await cleanupAll();
  }
}
