/**
 * The restore with two builds, A and B (two checkouts of this repository, each compiled into its
 * dist/), against `pg_restore -j RESTORE_JOBS` of the very same dump bytes, in alternation over one
 * backup: on a shared machine only runs measured back to back compare.
 *
 *   node --import tsx bench/restore-ab.ts <checkout A> <checkout B> [--scale quick|300MB] [--runs N]
 *
 * One backup (B's build) of the scale's dataset; each round restores it with A and with B (fresh
 * plain-Node processes, bench/restore-run.mjs) and runs pg_restore of a `pg_dump -Fc -Z0` file, each
 * into a fresh empty database, the order rotating per round. Writes bench/results/restore-ab-<scale>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { RESTORE_JOBS } from '../plugins/backup/restore/restore-backup';
import { abArguments, commitOf } from './ab-args';
import { backupOnce, datasetDatabase } from './backup-cpu';
import { childrenCpuMs } from './proc-cpu';
import { runScript } from './run-script';
import { MiB, summarize, type Summary } from './stats';
import { cleanupAll, createDatabase, dropOwnedDatabase, log, pgDumpArgs, pgRestoreArgs, removeDir, tempDir, timeTool } from './tools';

/** What bench/restore-run.mjs reports for one restore. */
interface RestoreRun {
  bytes: number;
  wallMs: number;
  verifyMs: number;
  restoreMs: number;
  oursCpuMs: number;
  pgRestoreCpuMs: number;
  threadsCpuMs: Record<string, number>;
  peakRssBytes: number;
  majorGcs: number;
}

interface ToolRun {
  wallMs: number;
  cpuMs: number;
}

function restoreOnce(checkout: string, database: string, storageRoot: string, dataPath: string): Promise<RestoreRun> {
  return runScript<RestoreRun>('restore-run.mjs', [checkout, database, storageRoot, dataPath], `restore in ${checkout}`);
}

export async function compareRestore(checkouts: [string, string], scaleName: string, runs: number) {
  const loadStart = loadavg();
  const { scale, database } = await datasetDatabase('restore_ab', scaleName);
  const dir = await tempDir('restore-ab');
  const root = join(dir, 'objects');
  const dumpFile = join(dir, 'local.dump');
  await backupOnce(checkouts[1], database, root);
  await timeTool('pg_dump', pgDumpArgs(database, dumpFile), database);
  await dropOwnedDatabase(database);
  const ours: RestoreRun[][] = [[], []];
  const tool: ToolRun[] = [];
  const steps: (() => Promise<void>)[] = [0, 1].map((k) => async () => {
    const target = await createDatabase('rab');
    const data = join(dir, `data-${k}`);
    ours[k]!.push(await restoreOnce(checkouts[k]!, target, root, data));
    await removeDir(data).catch(() => undefined);
    await dropOwnedDatabase(target);
  });
  steps.push(async () => {
    const target = await createDatabase('pgr');
    const cpu0 = childrenCpuMs();
    const wallMs = await timeTool('pg_restore', pgRestoreArgs(target, dumpFile, RESTORE_JOBS), target);
    tool.push({ wallMs, cpuMs: childrenCpuMs() - cpu0 });
    await dropOwnedDatabase(target);
  });
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < steps.length; i++) await steps[(i + round) % steps.length]!();
    log(`round ${round + 1}/${runs}: A ${ours[0]!.at(-1)!.wallMs.toFixed(0)} ms, B ${ours[1]!.at(-1)!.wallMs.toFixed(0)} ms, pg_restore -j ${RESTORE_JOBS} ${tool.at(-1)!.wallMs.toFixed(0)} ms`);
  }
  await removeDir(dir).catch(() => undefined);
  const side = (k: number) => {
    const rs = ours[k]!;
    const names = [...new Set(rs.flatMap((r) => Object.keys(r.threadsCpuMs)))];
    return {
      checkout: checkouts[k]!,
      commit: commitOf(checkouts[k]!),
      wallMs: summarize(rs.map((r) => r.wallMs)),
      verifyMs: summarize(rs.map((r) => r.verifyMs)),
      pgRestorePhaseMs: summarize(rs.map((r) => r.restoreMs)),
      /** Wall time over pg_restore's in the same round. */
      ratioToPgRestore: summarize(rs.map((r, i) => r.wallMs / tool[i]!.wallMs)),
      oursCpuMs: summarize(rs.map((r) => r.oursCpuMs)),
      threadsCpuMs: Object.fromEntries(names.map((n) => [n, summarize(rs.map((r) => r.threadsCpuMs[n] ?? 0)).median])),
      pgRestoreChildCpuMs: summarize(rs.map((r) => r.pgRestoreCpuMs)),
      peakRssMiB: summarize(rs.map((r) => r.peakRssBytes / MiB)),
      majorGcs: summarize(rs.map((r) => r.majorGcs)),
    };
  };
  return {
    measuredAt: new Date().toISOString(),
    scale: scale.name,
    runs,
    jobs: RESTORE_JOBS,
    dumpBytes: ours[1]![0]!.bytes,
    pgRestore: { wallMs: summarize(tool.map((t) => t.wallMs)), cpuMs: summarize(tool.map((t) => t.cpuMs)) },
    a: side(0),
    b: side(1),
    /** B − A, ms of wall time of the verify phase, per round. */
    pairedVerifyDifferenceMs: summarize(ours[1]!.map((r, i) => r.verifyMs - ours[0]![i]!.verifyMs)),
    pairedWallDifferenceMs: summarize(ours[1]!.map((r, i) => r.wallMs - ours[0]![i]!.wallMs)),
    loadAverage: { start: loadStart.map((n) => Number(n.toFixed(2))), end: loadavg().map((n) => Number(n.toFixed(2))) },
  };
}

if (process.argv[1]?.endsWith('restore-ab.ts')) {
  const { checkouts, scale, runs } = abArguments('restore-ab.ts');
  try {
    const result = await compareRestore(checkouts, scale, runs);
    const f = (s: Summary, digits = 0) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
    console.log(`pg_restore -j ${result.jobs}: wall ${f(result.pgRestore.wallMs)} ms, CPU ${f(result.pgRestore.cpuMs)} ms`);
    for (const [name, s] of [['A', result.a], ['B', result.b]] as const) {
      console.log(
        `${name} ${s.commit}: wall ${f(s.wallMs)} ms = ${f(s.ratioToPgRestore, 2)}× pg_restore; verify ${f(s.verifyMs)} ms, pg_restore phase ${f(s.pgRestorePhaseMs)} ms; ` +
          `our CPU ${f(s.oursCpuMs)} ms (${Object.entries(s.threadsCpuMs).filter(([, v]) => v > 0).map(([n, v]) => `${n} ${v.toFixed(0)}`).join(', ')}); ` +
          `peak RSS ${f(s.peakRssMiB)} MiB; major GCs ${f(s.majorGcs)}`,
      );
    }
    console.log(`B − A per round: verify ${f(result.pairedVerifyDifferenceMs)} ms, wall ${f(result.pairedWallDifferenceMs)} ms (${(result.dumpBytes / MiB).toFixed(1)} MiB dump); load ${result.loadAverage.start.join(' ')} → ${result.loadAverage.end.join(' ')}`);
    const dir = join(import.meta.dirname, 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `restore-ab-${result.scale}.json`), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await cleanupAll();
  }
}
