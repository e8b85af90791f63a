/** Results as a text table (stdout) and as the sections of BENCHMARKS.md. */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AuditBenchResult } from './audit';
import { type TriggerLatencyResult } from './trigger-latency';
import type { CliStartResult } from './cli-start';
import { fmtBytes, fmtMs, fmtRatio, fmtSpread } from './stats';
import { chunkingLabel } from './scales';
import type { BenchResults, ScaleResult } from './results';
import type { Figure, History, Measurement } from './history/figures';
import { previousCell, previousInline, previousNote } from './history/compare';
import { historyPath, readHistory, roll, writeHistory } from './history/store';
import { type Row, yes } from './report-row';
import { resticLead, resticRows } from './restic-report';


export type { Row };

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
      key: 'backup ÷ floor',
      figure: { value: s.backupVsFloor.ratio.median, unit: 'ratio' },
    },
    {
      metric: `backup: Cotton's way ÷ ours (speed-up)`,
      ours: fmtSpread(s.backupVsCotton.ours, fmtMs),
      baseline: fmtSpread(s.backupVsCotton.baseline, fmtMs),
      ratio: fmtSpread(s.backupVsCotton.ratio, fmtRatio),
      target: '≥ 3×',
      met: yes(s.backupVsCotton.ratio.median >= 3),
      key: "Cotton's way ÷ backup",
      figure: { value: s.backupVsCotton.ratio.median, unit: 'ratio' },
    },
    {
      metric: `stored bytes, first backup vs Cotton's way`,
      ours: fmtSpread(s.storedBytes.ours, mib),
      baseline: fmtSpread(s.storedBytes.cotton, mib),
      ratio: fmtSpread(s.storedBytes.ratio, fmtRatio),
      target: '≤ 1×',
      met: yes(s.storedBytes.ratio.median <= 1),
      key: "stored ÷ Cotton's way",
      figure: { value: s.storedBytes.ratio.median, unit: 'ratio' },
    },
  ];
  for (const day of s.days) {
    const p = day.change.pattern;
    rows.push(
      {
        metric: `day of changes (${p}): new plaintext ÷ the dump's plaintext`,
        ours: `${fmtBytes(day.ours.newPlaintextBytes)} of ${fmtBytes(day.ours.dumpBytes)} = ${day.ours.plaintextPercent.toFixed(1)} %`,
        baseline: `${fmtBytes(day.cotton.newPlaintextBytes)} of ${fmtBytes(day.cotton.dumpBytes)} = ${day.cotton.plaintextPercent.toFixed(1)} %`,
        ratio: fmtRatio(day.ours.plaintextPercent / day.cotton.plaintextPercent),
        target: '≤ 15 %',
        met: yes(day.ours.plaintextPercent <= 15),
        key: `${p} day: new plaintext`,
        figure: { value: day.ours.plaintextPercent, unit: 'percent' },
      },
      {
        metric: `day of changes (${p}): new stored bytes ÷ the first backup's stored bytes`,
        ours: `${fmtBytes(day.ours.newObjectBytes)} = ${day.ours.storedPercent.toFixed(1)} %`,
        baseline: `${fmtBytes(day.cotton.newObjectBytes)} = ${day.cotton.storedPercent.toFixed(1)} %`,
        ratio: fmtRatio(day.ours.storedPercent / day.cotton.storedPercent),
        target: '≤ 15 %',
        met: yes(day.ours.storedPercent <= 15),
        key: `${p} day: new stored`,
        figure: { value: day.ours.storedPercent, unit: 'percent' },
      },
    );
  }
  rows.push(
    {
      metric: `restore with verification vs pg_restore -j ${s.restore.jobs ?? 2} (local file, same jobs as ours)`,
      ours: fmtSpread(s.restore.ours, fmtMs),
      baseline: fmtSpread(s.restore.baseline, fmtMs),
      ratio: fmtSpread(s.restore.ratio, fmtRatio),
      target: '≤ 1.3×',
      met: yes(s.restore.ratio.median <= 1.3),
      key: 'restore ÷ pg_restore',
      figure: { value: s.restore.ratio.median, unit: 'ratio' },
    },
    {
      metric: `peak RSS of our process, backup (Cotton's way in baseline column)`,
      ours: fmtSpread(s.rss.backup, mib),
      baseline: fmtSpread(s.rss.cottonWay, mib),
      ratio: '',
      target: '≤ 200 MB',
      met: yes(s.rss.backup.max <= 200e6),
      key: 'backup peak RSS (max)',
      figure: { value: s.rss.backup.max, unit: 'bytes' },
    },
    {
      metric: `peak RSS of our process, restore`,
      ours: fmtSpread(s.rss.restore, mib),
      baseline: '',
      ratio: '',
      target: '≤ 200 MB',
      met: yes(s.rss.restore.max <= 200e6),
      key: 'restore peak RSS (max)',
      figure: { value: s.rss.restore.max, unit: 'bytes' },
    },
  );
  return rows;
}

/** With the column of the previous run's figures (see bench/history) after the ratio. */
export function markdownTable(rows: Row[], previous: Measurement | undefined): string {
  const header = '| metric | ours | baseline | ratio | previous (change) | target | met |\n| --- | --: | --: | --: | --: | --: | :-: |';
  return [
    header,
    ...rows.map((r) => `| ${r.metric} | ${r.ours} | ${r.baseline} | ${r.ratio} | ${previousCell(r.figure, previous, r.key)} | ${r.target} | ${r.met} |`),
  ].join('\n');
}

function textTable(rows: Row[], previous: Measurement | undefined): string {
  const cols = ['metric', 'ours', 'baseline', 'ratio', 'previous', 'target', 'met'] as const;
  const cells = rows.map((r) => ({ metric: r.metric, ours: r.ours, baseline: r.baseline, ratio: r.ratio, previous: previousCell(r.figure, previous, r.key), target: r.target, met: r.met }));
  const widths = cols.map((c) => Math.max(c.length, ...cells.map((r) => r[c].length)));
  const line = (r: Record<string, string>) => cols.map((c, i) => r[c]!.padEnd(widths[i]!)).join('  ');
  return [line(Object.fromEntries(cols.map((c) => [c, c]))), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
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
      key: 'backupAudit',
      figure: { value: audit.backupAuditMs.median, unit: 'ms' },
    },
    {
      metric: `recentAudit (last 100 events) at ${audit.events.toLocaleString('en')} events, ${audit.runs} runs`,
      ours: fmtSpread(audit.recentAuditMs, fmtMs),
      baseline: '',
      ratio: '',
      target: '≤ 10 ms',
      met: yes(audit.recentAuditMs.median <= 10),
      key: 'recentAudit',
      figure: { value: audit.recentAuditMs.median, unit: 'ms' },
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

/** The restore's two stages, kept in bench/history beside the table's figures. */
function restoreStageFigures(s: ScaleResult): Record<string, Figure> {
  return {
    'restore: verification pass': { value: s.restore.verifyMs.median, unit: 'ms' },
    ...(s.restore.pgRestoreStepMs ? { 'restore: pg_restore step': { value: s.restore.pgRestoreStepMs.median, unit: 'ms' as const } } : {}),
  };
}

function dayNotes(s: ScaleResult, previous: Measurement | undefined): string[] {
  const jobs = s.restore.jobs ?? 2;
  const stages = restoreStageFigures(s);
  const stage = (key: string, summary: ScaleResult['restore']['verifyMs']) => `${fmtSpread(summary, fmtMs)}${previousInline(stages[key]!, previous, key)}`;
  const restoreSplit = s.restore.pgRestoreStepMs
    ? `${s.scale} restore, inside ours: verification pass ${stage('restore: verification pass', s.restore.verifyMs)}, ` +
      `pg_restore -j ${jobs} step ${stage('restore: pg_restore step', s.restore.pgRestoreStepMs)} (baseline pg_restore -j ${jobs} ${fmtSpread(s.restore.baseline, fmtMs)})`
    : `${s.scale} restore, inside ours: verification pass ${stage('restore: verification pass', s.restore.verifyMs)}`;
  const days = s.days.map(
    (d) =>
      `${s.scale} day of changes, ${d.change.pattern}: +${d.change.inserted} / ~${d.change.updated} / -${d.change.deleted} rows of ${d.change.rowsBefore} ` +
      `(${((100 * d.change.inserted) / d.change.rowsBefore).toFixed(2)} % / ${((100 * d.change.updated) / d.change.rowsBefore).toFixed(2)} % / ` +
      `${((100 * d.change.deleted) / d.change.rowsBefore).toFixed(2)} %); second backup ${fmtMs(d.ours.durationMs)}, ${d.ours.newObjects} new objects; ` +
      `Cotton's way ${fmtMs(d.cotton.durationMs)}, ${d.cotton.newObjects} new objects`,
  );
  const bound =
    s.changedInPlaceShare === undefined
      ? []
      : [
          `${s.scale} scattered day, what bounds it: the tables it changes in place hold ${(100 * s.changedInPlaceShare).toFixed(1)} % of the rows' text; ` +
            `single-row changes spread uniformly put a change into every chunk of them at every chunk size measured, so a dump-level ` +
            `backup can reuse at most the other ${(100 * (1 - s.changedInPlaceShare)).toFixed(1)} % (the appended-only chunks table and unchanged tables)`,
        ];
  return [restoreSplit, ...days, ...bound];
}

function sweepTable(s: ScaleResult): string[] {
  if (!s.chunkSweep) return [];
  const patterns = s.days.map((d) => d.change.pattern);
  const header =
    '| average chunk | objects | first backup | stored | restore | ' +
    patterns.map((p) => `${p}: new plaintext / new stored / new objects / second backup`).join(' | ') +
    ' |\n| --- | --: | --: | --: | --: | ' + patterns.map(() => '--:').join(' | ') + ' |';
  const rows = s.chunkSweep.map((run) => {
    const cells = patterns.map((p) => {
      const second = run.days.find((d) => d.pattern === p)?.second;
      return second
        ? `${second.plaintextPercent.toFixed(1)} % / ${second.storedPercent.toFixed(1)} % / ${second.newObjects} / ${fmtMs(second.durationMs)}`
        : '—';
    });
    return `| ${chunkingLabel(run.chunking)} | ${run.objects} | ${fmtMs(run.firstBackupMs)} | ${fmtBytes(run.storedBytes)} | ${fmtMs(run.restoreMs)} | ${cells.join(' | ')} |`;
  });
  return [
    `Chunk sizes (min = average ÷ 4, max = average × 4; one run each, the default's figures are the medians above; restore = of the first backup):`,
    '',
    header,
    ...rows,
    '',
  ];
}

function triggerRows(t: TriggerLatencyResult): Row[] {
  const row = (name: string, stats: TriggerLatencyResult['notify']): Row[] => [
    { metric: `request → BackupStarted, ${name}, p50 (${stats.n} requests)`, ours: fmtMs(stats.p50Ms), baseline: '', ratio: '', target: '≤ 100 ms', met: yes(stats.p50Ms <= 100), key: `${name} p50`, figure: { value: stats.p50Ms, unit: 'ms' } },
    { metric: `request → BackupStarted, ${name}, p99 (max ${fmtMs(stats.maxMs)})`, ours: fmtMs(stats.p99Ms), baseline: '', ratio: '', target: '≤ 1 s', met: yes(stats.p99Ms <= 1000), key: `${name} p99`, figure: { value: stats.p99Ms, unit: 'ms' } },
  ];
  return [...row('NOTIFY', t.notify), ...row('request_checkpoint()', t.requestCheckpoint)];
}

function cliStartRows(c: CliStartResult): Row[] {
  return c.commands.map((command) => ({
    metric: `\`${command.command}\` start to exit, fresh process, ${c.runs} runs (CPU ${fmtMs(command.cpuMs)}) vs \`node -e 0\``,
    ours: fmtSpread(command.wallMs, fmtMs),
    baseline: fmtSpread(c.baseline.wallMs, fmtMs),
    ratio: fmtSpread(command.ratio, fmtRatio),
    target: `≤ ${fmtMs(command.targetMs)}`,
    met: yes(command.wallMs.median <= command.targetMs),
    key: `${command.command} (wall)`,
    figure: { value: command.wallMs.median, unit: 'ms' as const },
  }));
}

/** Why a step has no figures: left out by an option, or the run was cut short before it. */
function notMeasured(results: BenchResults, step: string): string {
  if (results.pending.includes(step)) return 'not measured: the run was cut short before this step';
  if (results.skipped?.includes(step)) return 'not measured in this run (left out by an option)';
  return 'not measured in this run';
}

const rowFigures = (rows: Row[]): Record<string, Figure> =>
  Object.fromEntries(rows.flatMap((r) => (r.key !== undefined && r.figure ? [[r.key, r.figure]] : [])));

/** A run's sections as bench/history keeps them, each under a stable name with the time it was measured. */
export function measurements(results: BenchResults): { section: string; measurement: Measurement }[] {
  const m = results.machine;
  const of = (measuredAt: string, figures: Record<string, Figure>): Measurement => ({
    measuredAt,
    commit: results.commit ?? 'unknown',
    machine: `${m.cpus} × ${m.cpuModel}, ${fmtBytes(m.memoryBytes)} RAM, ${m.postgres}, Node ${m.node}`,
    figures,
  });
  return [
    ...results.scales.map((s) => ({
      section: `scale ${s.scale}`,
      measurement: of(s.measuredAt ?? results.startedAt, { ...rowFigures(rowsFor(s)), ...rowFigures(resticRows(s)), ...restoreStageFigures(s) }),
    })),
    ...(results.audit ? [{ section: 'audit queries', measurement: of(results.startedAt, rowFigures(auditRows(results.audit))) }] : []),
    ...(results.triggerLatency ? [{ section: 'trigger latency', measurement: of(results.triggerLatency.measuredAt, rowFigures(triggerRows(results.triggerLatency))) }] : []),
    ...(results.cliStart ? [{ section: 'cli start', measurement: of(results.cliStart.measuredAt, rowFigures(cliStartRows(results.cliStart))) }] : []),
  ];
}

/** The history with this run's sections as the latest, the runs they replace as previous. */
export function withRun(history: History, results: BenchResults): History {
  return measurements(results).reduce((h, { section, measurement }) => roll(h, section, measurement), history);
}

const EMPTY: History = { sections: {} };

export function renderText(results: BenchResults, history: History = EMPTY): string {
  const previous = (section: string) => history.sections[section]?.previous;
  const parts: string[] = [];
  for (const s of results.scales) {
    const p = previous(`scale ${s.scale}`);
    const restic = resticRows(s);
    parts.push(scaleHeading(s, results.runs), textTable(rowsFor(s), p), ...dayNotes(s, p).map((n) => `  ${n}`), '');
    parts.push(resticLead(s), ...(restic.length > 0 ? [textTable(restic, p)] : []), '', ...sweepTable(s));
  }
  if (results.audit) parts.push(`audit (${fmtMs(results.audit.insertMs)} to insert the events)`, textTable(auditRows(results.audit), previous('audit queries')), '');
  if (results.triggerLatency) parts.push('trigger latency (a running host, small database)', textTable(triggerRows(results.triggerLatency), previous('trigger latency')));
  else parts.push(`trigger latency: ${notMeasured(results, 'trigger latency')}`);
  if (results.cliStart) parts.push('CLI start (bench/cli-start.ts)', textTable(cliStartRows(results.cliStart), previous('cli start')));
  parts.push(`load average (1/5/15 min) at start ${results.loadAverage.start.join(' / ')}, at end ${results.loadAverage.end.join(' / ')}`);
  return parts.join('\n');
}

/** `history` already holds this run (see withRun): its `previous` entries are what the tables compare against. */
export function renderMarkdown(results: BenchResults, history: History = EMPTY): string {
  const m = results.machine;
  const machine = measurements(results)[0]?.measurement.machine;
  const section = (name: string) => history.sections[name];
  const note = (name: string) => previousNote(section(name), machine);
  const parts: string[] = [
    `Measured ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC, \`${results.mode === 'full' ? 'npm run bench:full' : 'npm run bench'}\`` +
      `${results.commit ? ` at commit ${results.commit}` : ''}, ` +
      `${fmtMs(results.durationMs)} in all. Machine: ${m.cpus} × ${m.cpuModel}, ${fmtBytes(m.memoryBytes)} RAM, ${m.postgres}, Node ${m.node}, ${m.disk}.`,
    '',
    `The column *previous (change)* gives the figure the target judges (the median; for peak RSS the largest run) as the section's previous run ` +
      `measured it, and how this run's differs from it (relative; for percentages, in points). Both runs' figures are kept in \`bench/history/${results.mode}.json\`.`,
    '',
  ];
  if (results.mergedFrom) {
    parts.push(`Figures not re-measured in this run (see each heading) are from the run of ${results.mergedFrom.slice(0, 16).replace('T', ' ')} UTC.`, '');
  }
  for (const s of results.scales) {
    const name = `scale ${s.scale}`;
    const p = section(name)?.previous;
    const restic = resticRows(s);
    parts.push(`**${scaleHeading(s, results.runs)}**`, '', note(name), '', markdownTable(rowsFor(s), p), '', ...dayNotes(s, p).map((n) => `- ${n}`), '');
    parts.push(resticLead(s), '', ...(restic.length > 0 ? [markdownTable(restic, p), ''] : []), ...sweepTable(s));
  }
  if (results.audit) {
    parts.push(
      `**Audit queries** (${results.audit.events.toLocaleString('en')} events inserted in ${fmtMs(results.audit.insertMs)}, ${results.audit.insertEventsPerSecond.toLocaleString('en')} events/s through the hash trigger)`,
      '',
      note('audit queries'),
      '',
      markdownTable(auditRows(results.audit), section('audit queries')?.previous),
      '',
    );
  }
  if (results.triggerLatency) {
    parts.push(
      `**Trigger latency** (bench/trigger-latency.ts: a running host over a small database, one request at a time)`,
      '',
      note('trigger latency'),
      '',
      markdownTable(triggerRows(results.triggerLatency), section('trigger latency')?.previous),
      '',
    );
  } else {
    parts.push(`**Trigger latency:** ${notMeasured(results, 'trigger latency')}`, '');
  }
  if (results.cliStart) {
    parts.push(
      `**CLI start** (bench/cli-start.ts: the compiled CLI in a fresh process; \`list\` over a small database)`,
      '',
      note('cli start'),
      '',
      markdownTable(cliStartRows(results.cliStart), section('cli start')?.previous),
      '',
    );
  }
  if (results.pending.length > 0) parts.push(`**Incomplete run:** cut short before: ${results.pending.join(', ')}.`, '');
  parts.push(`Load average (1/5/15 min) at the start ${results.loadAverage.start.join(' / ')}, at the end ${results.loadAverage.end.join(' / ')} (the machine is shared).`);
  return parts.join('\n');
}

/** The history of the run's mode with this run in it (written only with BENCHMARKS.md). */
export async function historyWithRun(results: BenchResults): Promise<History> {
  return withRun(await readHistory(historyPath(results.mode)), results);
}

/** Writes the mode's section of BENCHMARKS.md and, with it, bench/history/<mode>.json. */
export async function writeBenchmarksMd(results: BenchResults): Promise<void> {
  const history = await historyWithRun(results);
  await writeHistory(historyPath(results.mode), history);
  const path = join(import.meta.dirname, '..', 'BENCHMARKS.md');
  const begin = `<!-- bench:${results.mode}:begin -->`;
  const end = `<!-- bench:${results.mode}:end -->`;
  const text = existsSync(path) ? await readFile(path, 'utf8') : '';
  const block = `${begin}\n${renderMarkdown(results, history)}\n${end}`;
  const at = text.indexOf(begin);
  const until = text.indexOf(end);
  const updated = at >= 0 && until > at ? text.slice(0, at) + block + text.slice(until + end.length) : `${text}\n${block}\n`;
  await writeFile(path, updated);
}

