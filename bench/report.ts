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


export interface Row {
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
    const p = day.change.pattern;
    rows.push(
      {
        metric: `day of changes (${p}): new plaintext ÷ the dump's plaintext`,
        ours: `${fmtBytes(day.ours.newPlaintextBytes)} of ${fmtBytes(day.ours.dumpBytes)} = ${day.ours.plaintextPercent.toFixed(1)} %`,
        baseline: `${fmtBytes(day.cotton.newPlaintextBytes)} of ${fmtBytes(day.cotton.dumpBytes)} = ${day.cotton.plaintextPercent.toFixed(1)} %`,
        ratio: fmtRatio(day.ours.plaintextPercent / day.cotton.plaintextPercent),
        target: '≤ 15 %',
        met: yes(day.ours.plaintextPercent <= 15),
      },
      {
        metric: `day of changes (${p}): new stored bytes ÷ the first backup's stored bytes`,
        ours: `${fmtBytes(day.ours.newObjectBytes)} = ${day.ours.storedPercent.toFixed(1)} %`,
        baseline: `${fmtBytes(day.cotton.newObjectBytes)} = ${day.cotton.storedPercent.toFixed(1)} %`,
        ratio: fmtRatio(day.ours.storedPercent / day.cotton.storedPercent),
        target: '≤ 15 %',
        met: yes(day.ours.storedPercent <= 15),
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
  const jobs = s.restore.jobs ?? 2;
  const restoreSplit = s.restore.pgRestoreStepMs
    ? `${s.scale} restore, inside ours: verification pass ${fmtSpread(s.restore.verifyMs, fmtMs)}, ` +
      `pg_restore -j ${jobs} step ${fmtSpread(s.restore.pgRestoreStepMs, fmtMs)} (baseline pg_restore -j ${jobs} ${fmtSpread(s.restore.baseline, fmtMs)})`
    : `${s.scale} restore, inside ours: verification pass ${fmtSpread(s.restore.verifyMs, fmtMs)}`;
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
    { metric: `request → BackupStarted, ${name}, p50 (${stats.n} requests)`, ours: fmtMs(stats.p50Ms), baseline: '', ratio: '', target: '≤ 100 ms', met: yes(stats.p50Ms <= 100) },
    { metric: `request → BackupStarted, ${name}, p99 (max ${fmtMs(stats.maxMs)})`, ours: fmtMs(stats.p99Ms), baseline: '', ratio: '', target: '≤ 1 s', met: yes(stats.p99Ms <= 1000) },
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
  }));
}

/** Why a step has no figures: left out by an option, or the run was cut short before it. */
function notMeasured(results: BenchResults, step: string): string {
  if (results.pending.includes(step)) return 'not measured: the run was cut short before this step';
  if (results.skipped?.includes(step)) return 'not measured in this run (left out by an option)';
  return 'not measured in this run';
}

export function renderText(results: BenchResults): string {
  const parts: string[] = [];
  for (const s of results.scales) {
    parts.push(scaleHeading(s, results.runs), textTable(rowsFor(s)), ...dayNotes(s).map((n) => `  ${n}`), '', ...sweepTable(s));
  }
  if (results.audit) parts.push(`audit (${fmtMs(results.audit.insertMs)} to insert the events)`, textTable(auditRows(results.audit)), '');
  if (results.triggerLatency) parts.push('trigger latency (a running host, small database)', textTable(triggerRows(results.triggerLatency)));
  else parts.push(`trigger latency: ${notMeasured(results, 'trigger latency')}`);
  if (results.cliStart) parts.push('CLI start (bench/cli-start.ts)', textTable(cliStartRows(results.cliStart)));
  parts.push(`load average (1/5/15 min) at start ${results.loadAverage.start.join(' / ')}, at end ${results.loadAverage.end.join(' / ')}`);
  return parts.join('\n');
}

export function renderMarkdown(results: BenchResults): string {
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
    parts.push(`**${scaleHeading(s, results.runs)}**`, '', markdownTable(rowsFor(s)), '', ...dayNotes(s).map((n) => `- ${n}`), '', ...sweepTable(s));
  }
  if (results.audit) {
    parts.push(`**Audit queries** (${results.audit.events.toLocaleString('en')} events inserted in ${fmtMs(results.audit.insertMs)}, ${results.audit.insertEventsPerSecond.toLocaleString('en')} events/s through the hash trigger)`, '', markdownTable(auditRows(results.audit)), '');
  }
  if (results.triggerLatency) {
    parts.push(`**Trigger latency** (bench/trigger-latency.ts: a running host over a small database, one request at a time)`, '', markdownTable(triggerRows(results.triggerLatency)), '');
  } else {
    parts.push(`**Trigger latency:** ${notMeasured(results, 'trigger latency')}`, '');
  }
  if (results.cliStart) parts.push(`**CLI start** (bench/cli-start.ts: the compiled CLI in a fresh process; \`list\` over a small database)`, '', markdownTable(cliStartRows(results.cliStart)), '');
  if (results.pending.length > 0) parts.push(`**Incomplete run:** cut short before: ${results.pending.join(', ')}.`, '');
  parts.push(`Load average (1/5/15 min) at the start ${results.loadAverage.start.join(' / ')}, at the end ${results.loadAverage.end.join(' / ')} (the machine is shared).`);
  return parts.join('\n');
}

export async function writeBenchmarksMd(results: BenchResults): Promise<void> {
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

