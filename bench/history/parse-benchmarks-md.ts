/**
 * Reads the headline figures back out of BENCHMARKS.md's generated sections: to seed
 * bench/history from a BENCHMARKS.md written before the history existed, and for the spec that
 * keeps the history and the committed BENCHMARKS.md in step. It reads what the renderers print
 * (bench/report.ts, bench/extras.ts), older files without the "previous" column included.
 */
import { parseFigure, type Figure, type Measurement, type Unit } from './figures';

export type Mode = 'full' | 'quick' | 'extras';

/** The text between a mode's `bench:` markers, or undefined. */
export function modeBlock(text: string, mode: Mode): string | undefined {
  const begin = text.indexOf(`<!-- bench:${mode}:begin -->`);
  const end = text.indexOf(`<!-- bench:${mode}:end -->`);
  return begin >= 0 && end > begin ? text.slice(begin, end) : undefined;
}

/** A markdown table's rows as records by header name. */
function tables(lines: string[]): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  let header: string[] | undefined;
  const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());
  for (const line of lines) {
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    if (!header) header = cells(line);
    else if (!/^\|\s*:?-/.test(line)) rows.push(Object.fromEntries(cells(line).map((c, i) => [header![i]!, c])));
  }
  return rows;
}

/** `2.68 s (2.65 s–2.70 s)` → the median and the max as printed; a single figure is both. */
function spread(cell: string): { median: string; max: string } {
  const m = /^(.+?) \((.+)–(.+)\)$/.exec(cell);
  return m ? { median: m[1]!, max: m[3]! } : { median: cell, max: cell };
}

/** A figure out of a row: the metric label's pattern names it; `column`/`pick` say where it is printed. */
interface RowRule {
  re: RegExp;
  key: (m: RegExpExecArray) => string;
  column: string;
  pick: 'median' | 'max' | 'percent after =';
  unit: Unit;
}

const RUN_RULES: RowRule[] = [
  { re: /^backup wall time/, key: () => 'backup ÷ floor', column: 'ratio', pick: 'median', unit: 'ratio' },
  { re: /^backup: Cotton's way/, key: () => "Cotton's way ÷ backup", column: 'ratio', pick: 'median', unit: 'ratio' },
  { re: /^stored bytes, first backup/, key: () => "stored ÷ Cotton's way", column: 'ratio', pick: 'median', unit: 'ratio' },
  { re: /^day of changes \((\w+)\): new plaintext/, key: (m) => `${m[1]} day: new plaintext`, column: 'ours', pick: 'percent after =', unit: 'percent' },
  { re: /^day of changes \((\w+)\): new stored bytes/, key: (m) => `${m[1]} day: new stored`, column: 'ours', pick: 'percent after =', unit: 'percent' },
  { re: /^restore with verification/, key: () => 'restore ÷ pg_restore', column: 'ratio', pick: 'median', unit: 'ratio' },
  { re: /^backup vs restic: wall time/, key: () => 'backup ÷ restic', column: 'ratio', pick: 'median', unit: 'ratio' },
  { re: /^(backup|restore) vs restic: CPU per MiB/, key: (m) => `${m[1]} CPU ÷ restic`, column: 'ratio', pick: 'median', unit: 'ratio' },
  { re: /^stored bytes vs restic/, key: () => 'stored ÷ restic', column: 'ratio', pick: 'median', unit: 'ratio' },
  { re: /^restore vs restic: wall time/, key: () => 'restore ÷ restic', column: 'ratio', pick: 'median', unit: 'ratio' },
  { re: /^peak RSS of our process, backup/, key: () => 'backup peak RSS (max)', column: 'ours', pick: 'max', unit: 'bytes' },
  { re: /^peak RSS of our process, restore/, key: () => 'restore peak RSS (max)', column: 'ours', pick: 'max', unit: 'bytes' },
  { re: /^backupAudit/, key: () => 'backupAudit', column: 'ours', pick: 'median', unit: 'ms' },
  { re: /^recentAudit/, key: () => 'recentAudit', column: 'ours', pick: 'median', unit: 'ms' },
  { re: /^request → BackupStarted, (.+), (p50|p99)/, key: (m) => `${m[1]} ${m[2]}`, column: 'ours', pick: 'median', unit: 'ms' },
  { re: /^`(.+)` start to exit/, key: (m) => `${m[1]} (wall)`, column: 'ours', pick: 'median', unit: 'ms' },
];

function rowFigures(rows: Record<string, string>[], rules: RowRule[]): Record<string, Figure> {
  const figures: Record<string, Figure> = {};
  for (const row of rows) {
    for (const rule of rules) {
      const m = rule.re.exec(row.metric ?? '');
      if (!m) continue;
      const cell = row[rule.column] ?? '';
      const text = rule.pick === 'percent after =' ? /= (.+ %)$/.exec(cell)?.[1] ?? cell : spread(cell)[rule.pick];
      figures[rule.key(m)] = parseFigure(text, rule.unit);
    }
  }
  return figures;
}

/** `2026-11-29 03:09 UTC` → `2026-11-29T03:09Z` (to the minute, as printed). */
const isoMinute = (text: string) => {
  const m = /(\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC/.exec(text);
  if (!m) throw new Error(`no time in ${JSON.stringify(text.slice(0, 200))}`);
  return `${m[1]}T${m[2]}Z`;
};

/** The block's bold headings, each with the lines up to the next. */
function chunks(block: string): { heading: string; lines: string[] }[] {
  const out: { heading: string; lines: string[] }[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('**')) out.push({ heading: line, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

export interface Parsed {
  /** From the block's first line (full and quick). */
  machine?: string;
  sections: Record<string, Measurement>;
}

/** The figures of a full or quick block, as the run's sections (see measurements() in bench/report.ts). */
export function parseRunBlock(block: string, commit: string, source: string | undefined): Parsed {
  const first = /Measured (.+? UTC),/.exec(block);
  const machine = /Machine: (.+? RAM, .+?, Node \S+?),/.exec(block)?.[1];
  if (!first || !machine) throw new Error('not a run block: no "Measured … Machine: …" line');
  const startedAt = isoMinute(first[1]!);
  const of = (measuredAt: string, figures: Record<string, Figure>): Measurement => ({ measuredAt, commit, machine, ...(source ? { source } : {}), figures });
  const sections: Record<string, Measurement> = {};
  for (const { heading, lines } of chunks(block)) {
    const rows = tables(lines);
    const scale = /^\*\*(\S+): database .*finished (.+ UTC)\*\*$/.exec(heading);
    if (scale) {
      const notes = lines.join('\n');
      const stage = (re: RegExp) => re.exec(notes)?.[1];
      const verify = stage(/restore, inside ours: verification pass ([\d.]+ m?s)/);
      const step = stage(/pg_restore -j \d+ step ([\d.]+ m?s)/);
      sections[`scale ${scale[1]}`] = of(isoMinute(scale[2]!), {
        ...rowFigures(rows, RUN_RULES),
        ...(verify ? { 'restore: verification pass': parseFigure(verify, 'ms') } : {}),
        ...(step ? { 'restore: pg_restore step': parseFigure(step, 'ms') } : {}),
      });
    } else if (heading.startsWith('**Audit queries**')) sections['audit queries'] = of(startedAt, rowFigures(rows, RUN_RULES));
    else if (heading.startsWith('**Trigger latency**')) sections['trigger latency'] = of(startedAt, rowFigures(rows, RUN_RULES));
    else if (heading.startsWith('**CLI start**')) sections['cli start'] = of(startedAt, rowFigures(rows, RUN_RULES));
  }
  return { machine, sections };
}

/** The figures of the extras block (see withExtras() in bench/extras.ts); `machine` as the extras record it. */
export function parseExtrasBlock(block: string, commit: string, source: string | undefined, machine: string): Parsed {
  const of = (measuredAt: string, figures: Record<string, Figure>): Measurement => ({ measuredAt, commit, machine, ...(source ? { source } : {}), figures });
  const sections: Record<string, Measurement> = {};
  for (const { heading, lines } of chunks(block)) {
    const rows = tables(lines);
    const text = lines.join('\n');
    const profile = /^\*\*Where a backup’s CPU goes\*\* \(`[^`]+`, (\S+), /.exec(heading);
    if (profile) {
      const match = (re: RegExp) => {
        const m = re.exec(text);
        if (!m) throw new Error(`CPU profile: no ${re}`);
        return m[1]!;
      };
      sections[`cpu profile ${profile[1]}`] = of(isoMinute(heading), {
        ...Object.fromEntries(rows.map((r) => [`cpu: ${r.where!.trim()}`, parseFigure(r['ms CPU / MiB']!, 'ms/MiB')])),
        'best ratio to the floor': parseFigure(match(/faster than \*\*([\d.]+×) the floor\*\*/), 'ratio'),
        'measured ratio to the floor': parseFigure(match(/the real backup measured ([\d.]+×)/), 'ratio'),
        'full GCs per backup': parseFigure(match(/full garbage collections per backup: (\d+)/), 'count'),
      });
    } else if (heading.startsWith('**Retention’s cost per backup**')) {
      sections.retention = of(isoMinute(heading), { 'pin + release ÷ backup': parseFigure(rows[0]!.ratio!, 'percent') });
    } else if (heading.startsWith('**S3 vs the folder**') && rows[0]?.scale !== undefined) {
      // A row per scale and operation, each scale its own section.
      for (const r of rows) {
        const section = `s3 vs folder ${/^(\S+) \(/.exec(r.scale!)![1]!}`;
        sections[section] = of(isoMinute(r.scale!), {
          ...sections[section]?.figures,
          [`${r.operation}: S3 ÷ folder`]: parseFigure(r.ratio!, 'ratio'),
          [`${r.operation}: peak RSS (max)`]: [parseFigure(r['peak RSS S3']!, 'bytes'), parseFigure(r['peak RSS folder']!, 'bytes')].reduce((a, b) => (b.value > a.value ? b : a)),
        });
      }
    } else if (heading.startsWith('**S3 vs the folder**')) {
      // Before 2026-11-29 07:00: one scale, its time in the heading.
      sections['s3 vs folder'] = of(
        isoMinute(heading),
        Object.fromEntries(
          rows.flatMap((r) => [
            [`${r.operation}: S3 ÷ folder`, parseFigure(r.ratio!, 'ratio')],
            [`${r.operation}: peak RSS (max)`, parseFigure(r['peak RSS (max of both)']!, 'bytes')],
          ]),
        ),
      );
    } else if (heading.startsWith('**Copy time to a copy target**')) {
      sections['copy time'] = of(isoMinute(heading), Object.fromEntries(rows.map((r) => [`${r.target}, ${r.backup}: copy ÷ backup`, parseFigure(r['copy / backup']!, 'decimal')])));
    } else if (heading.startsWith('**Row counts in the dump’s own snapshot**')) {
      for (const r of rows) {
        const scale = /^(\S+) \(/.exec(r.scale!)![1]!;
        sections[`row counts ${scale}`] = of(isoMinute(r.scale!), { 'with counts ÷ without': parseFigure(spread(r.ratio!).median, 'ratio') });
      }
    }
  }
  return { sections };
}

/** The machine as bench/extras.ts records it (cores, RAM, Node), from a run block's machine. */
export function extrasMachine(runMachine: string): string {
  const parts = runMachine.split(', ');
  return [parts[0], parts[1], parts.at(-1)].join(', ');
}

/** Every section of every mode in a BENCHMARKS.md text; the extras take the machine of the full (or quick) run. */
export function parseBenchmarksMd(text: string, commit: string, source?: string): Record<Mode, Record<string, Measurement>> {
  const full = modeBlock(text, 'full');
  const quick = modeBlock(text, 'quick');
  const extras = modeBlock(text, 'extras');
  const fullParsed = full ? parseRunBlock(full, commit, source) : undefined;
  const quickParsed = quick ? parseRunBlock(quick, commit, source) : undefined;
  const runMachine = fullParsed?.machine ?? quickParsed?.machine;
  return {
    full: fullParsed?.sections ?? {},
    quick: quickParsed?.sections ?? {},
    extras: extras && runMachine ? parseExtrasBlock(extras, commit, source, extrasMachine(runMachine)).sections : {},
  };
}
