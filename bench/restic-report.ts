/** The rows that set ours beside restic (bench/restic.ts) with issue 22's goals, and the line that says how they were measured. */
import { fmtBytes, fmtMs, fmtRatio, fmtSpread, MiB, type Summary } from './stats';
import type { ScaleResult } from './results';
import { type Row, yes } from './report-row';

/** Issue 22's goals: ours ÷ restic's, and ours ÷ the baselines the suite already measures. */
export const RESTIC_GOALS = { backupVsRestic: 0.8, backupVsFloor: 1.6, storedVsRestic: 1, restoreVsRestic: 0.8, restoreVsPgRestore: 1.15 } as const;

/** CPU ms per MiB of the dump (pg_dump -Fc -Z0, the same bytes both pipelines carry). */
const perMiB = (s: ScaleResult, cpu: Summary) => `${(cpu.median / (s.dumpBytes / MiB)).toFixed(2)} ms/MiB (${fmtMs(cpu.median)})`;

/** One line before the rows: how restic was run, or why there are no rows. */
export function resticLead(s: ScaleResult): string {
  const r = s.restic;
  if (!r) return `${s.scale} vs restic: not measured (results saved before restic was in the suite)`;
  if (!r.available) return `${s.scale} vs restic: ${r.reason}`;
  return (
    `${s.scale} vs ${r.version.split(' ').slice(0, 2).join(' ')}: backup = \`pg_dump -Fc -Z0 | restic backup --stdin --stdin-filename database.dump --compression auto\` ` +
    `into a fresh local repository (\`restic init\` not counted), stored = the repository folder after it; restore = \`restic dump latest database.dump\` to a file, ` +
    `then \`pg_restore -j ${r.jobs}\` with our restore's flags (pg_restore runs -j only from a file), into a fresh database. ` +
    `CPU = the process tree (pg_dump + restic, restic + pg_restore; ours: our process + pg_dump / pg_restore; the PostgreSQL backend in neither), ` +
    `per MiB of the ${fmtBytes(s.dumpBytes)} dump. restic's backup ÷ the floor: ${fmtSpread(r.resticVsFloor, fmtRatio)}`
  );
}

export function resticRows(s: ScaleResult): Row[] {
  const r = s.restic;
  if (!r?.available) return [];
  const g = RESTIC_GOALS;
  const ratioRow = (metric: string, figure: { ours: string; baseline: string; ratio: Summary }, goal: number | undefined, key?: string): Row => ({
    metric,
    ours: figure.ours,
    baseline: figure.baseline,
    ratio: fmtSpread(figure.ratio, fmtRatio),
    // The CPU rows have no goal of their own: they say what the wall times would be on a busier or a bigger machine.
    target: goal === undefined ? '' : `≤ ${fmtRatio(goal)}`,
    met: goal === undefined ? '' : yes(figure.ratio.median <= goal),
    ...(key ? { key, figure: { value: figure.ratio.median, unit: 'ratio' as const } } : {}),
  });
  const ms = (ours: Summary, baseline: Summary, ratio: Summary) => ({ ours: fmtSpread(ours, fmtMs), baseline: fmtSpread(baseline, fmtMs), ratio });
  const cpu = (op: 'backup' | 'restore', restic: Summary, ratio: Summary): Row[] =>
    s.cpuMs ? [ratioRow(`${op} vs restic: CPU per MiB of dump (process tree)`, { ours: perMiB(s, s.cpuMs[op]), baseline: perMiB(s, restic), ratio }, undefined, `${op} CPU ÷ restic`)] : [];
  return [
    ratioRow('backup vs restic: wall time (restic in baseline)', ms(s.backupVsFloor.ours, r.backupMs, r.ratio.backup), g.backupVsRestic, 'backup ÷ restic'),
    ratioRow("backup vs pg_dump -Fc -Z0 > /dev/null, issue 22's goal", ms(s.backupVsFloor.ours, s.backupVsFloor.baseline, s.backupVsFloor.ratio), g.backupVsFloor),
    ...cpu('backup', r.backupCpuMs, r.ratio.backupCpu),
    ratioRow(
      'stored bytes vs restic (repository folder)',
      { ours: fmtSpread(s.storedBytes.ours, fmtBytes), baseline: fmtSpread(r.storedBytes, fmtBytes), ratio: r.ratio.stored },
      g.storedVsRestic,
      'stored ÷ restic',
    ),
    ratioRow('restore vs restic: wall time (restic in baseline)', ms(s.restore.ours, r.restoreMs, r.ratio.restore), g.restoreVsRestic, 'restore ÷ restic'),
    ratioRow(`restore vs pg_restore -j ${s.restore.jobs ?? r.jobs}, issue 22's goal`, ms(s.restore.ours, s.restore.baseline, s.restore.ratio), g.restoreVsPgRestore),
    ...cpu('restore', r.restoreCpuMs, r.ratio.restoreCpu),
  ];
}
