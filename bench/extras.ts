/**
 * The measurements that are scripts of their own (not steps of `npm run bench`), rendered into
 * BENCHMARKS.md between the `bench:extras` markers from what they saved in bench/results:
 *
 *   node --import tsx bench/extras.ts            render what is saved
 *   node --import tsx bench/extras.ts --run      run each script first (300MB profile, 1 M chunk rows, S3 at quick, 300MB and 1.5GB), then render
 *
 * A script whose results file is missing is said to be not measured; nothing is copied by hand.
 * Each section's headline figures go to bench/history/extras.json (committed) and the previous
 * run's are shown beside them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProfileResult } from './backup-profile';
import { fmtBytes, fmtMs, type Summary } from './stats';
import type { Figure, History, Measurement } from './history/figures';
import { previousCell, previousInline, previousNote } from './history/compare';
import { currentCommit, historyPath, readHistory, roll, thisMachine, writeHistory } from './history/store';

const RESULTS = join(import.meta.dirname, 'results');
const SCRIPTS: { file: string; args: string[] }[] = [
  { file: 'backup-profile.ts', args: ['--scale', '300MB', '--runs', '3'] },
  { file: 'retention-overhead.ts', args: ['--rows', '1000000', '--runs', '5'] },
  { file: 's3-vs-folder.ts', args: ['--scale', 'quick', '--runs', '2'] },
  { file: 's3-vs-folder.ts', args: ['--scale', '300MB', '--runs', '2'] },
  { file: 's3-vs-folder.ts', args: ['--scale', '1.5GB', '--runs', '1'] },
  { file: 'copy-time.ts', args: ['--scale', 'quick'] },
  { file: 'row-counts-overhead.ts', args: ['--scale', '300MB', '--runs', '3'] },
  { file: 'row-counts-overhead.ts', args: ['--scale', '1.5GB', '--runs', '3'] },
];

async function load<T>(name: string): Promise<T | undefined> {
  const path = join(RESULTS, name);
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as T) : undefined;
}

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const ms = (n: number) => n.toFixed(2);

/** One section of the extras: its figures for bench/history, and its text given the section's history. */
interface Extra {
  section: string;
  measuredAt: string;
  figures: Record<string, Figure>;
  render: (previous: Measurement | undefined) => string[];
}

const PREVIOUS = 'previous (change)';

function profileRows(p: ProfileResult) {
  const m = p.perMiB;
  const rows = [
    ['PostgreSQL backend (COPY)', m.backend],
    ['pg_dump', m.pgDump],
    ['ours, every thread (real backup)', m.oursReal],
    ...Object.entries(m.threads).map(([thread, v]) => [`  of it: ${thread}`, v] as const),
    ...Object.entries(m.stages).map(([stage, v]) => [`stage (replayed alone): ${stage}`, v] as const),
    ['sum of the stages', m.stagesSum],
    ['streams, promises, events, GC (real − stages)', m.overhead],
  ] as const;
  return rows.map(([what, v]) => ({ what, key: `cpu: ${what.trim()}`, figure: { value: v, unit: 'ms/MiB' as const } }));
}

function profileExtra(p: ProfileResult): Extra {
  const m = p.perMiB;
  const rows = profileRows(p);
  const floor = {
    'best ratio to the floor': { value: p.floor.bestRatio, unit: 'ratio' as const },
    'measured ratio to the floor': { value: p.floor.measuredRatio, unit: 'ratio' as const },
    'full GCs per backup': { value: p.majorGcsPerRun, unit: 'count' as const },
  };
  const figures: Record<string, Figure> = { ...Object.fromEntries(rows.map((r) => [r.key, r.figure])), ...floor };
  const render = (previous: Measurement | undefined) => [
    `**Where a backup’s CPU goes** (\`bench/backup-profile.ts\`, ${p.scale}, ${p.runs} runs, measured ${when(p.measuredAt)}, dump ${fmtBytes(p.dumpBytes)} in ${p.chunks} chunks; ms of CPU per MiB of dump, medians; load average ${p.loadAverage.start.join(' / ')} at the start)`,
    '',
    `| where | ms CPU / MiB | ${PREVIOUS} |`,
    '| --- | --: | --: |',
    ...rows.map((r) => `| ${r.what} | ${ms(r.figure.value)} | ${previousCell(r.figure, previous, r.key)} |`),
    '',
    `- zstd levels (CPU ms / MiB, compression ratio): ${m.zstd.map((z) => `${z.level}: ${ms(z.cpuMsPerMiB)}, ${z.ratio.toFixed(2)}×`).join('; ')}`,
    `- the floor (\`pg_dump -Fc -Z0 > /dev/null\`) took ${fmtMs(p.floorWallMs.median)}; everything together is ${fmtMs(p.floor.cpuBoundMs)} of CPU per core on ${p.cores} cores, ` +
      `so no backup on this machine can be faster than **${p.floor.bestRatio.toFixed(2)}× the floor**${inline(floor, previous, 'best ratio to the floor')}; ` +
      `the real backup measured ${p.floor.measuredRatio.toFixed(2)}× in these runs${inline(floor, previous, 'measured ratio to the floor')} ` +
      `(target ≤ 1.25×: ${p.floor.bestRatio <= 1.25 ? 'reachable' : 'out of reach here'})`,
    `- full garbage collections per backup: ${p.majorGcsPerRun}${inline(floor, previous, 'full GCs per backup')}`,
    '',
  ];
  return { section: `cpu profile ${p.scale}`, measuredAt: p.measuredAt, figures, render };
}

const inline = (figures: Record<string, Figure>, previous: Measurement | undefined, key: string) => previousInline(figures[key]!, previous, key);

interface RetentionOverhead {
  measuredAt: string;
  chunkRows: number;
  backup: Summary;
  retention: Summary;
  ratio: number;
}

function retentionExtra(r: RetentionOverhead): Extra {
  const key = 'pin + release ÷ backup';
  const figure: Figure = { value: 100 * r.ratio, unit: 'percent' };
  const render = (previous: Measurement | undefined) => [
    `**Retention’s cost per backup** (\`bench/retention-overhead.ts\`, ${r.chunkRows.toLocaleString('en')} rows in Cotton’s chunks table, ${r.backup.samples.length} backups that each expire one, measured ${when(r.measuredAt)})`,
    '',
    `| metric | ours | baseline | ratio | ${PREVIOUS} | target | met |`,
    '| --- | --: | --: | --: | --: | --: | :-: |',
    `| pin + release after a backup vs the backup itself | ${fmtMs(r.retention.median)} | ${fmtMs(r.backup.median)} | ${(100 * r.ratio).toFixed(1)} % | ${previousCell(figure, previous, key)} | ≤ 5 % | ${r.ratio <= 0.05 ? 'yes' : 'NO'} |`,
    '',
  ];
  return { section: 'retention', measuredAt: r.measuredAt, figures: { [key]: figure }, render };
}

interface S3VsFolder {
  measuredAt: string;
  scale: string;
  databaseBytes: number;
  runs: number;
  measured: { storage: string; op: string; durationMs: number; peakRssBytes: number }[];
}

/** The scales S3 vs the folder is measured at: the quick database (issue 12 point 6), and larger ones for the peak RSS bound. */
const S3_SCALES = ['quick', '300MB', '1.5GB'];

function s3Rows(s: S3VsFolder) {
  return ['backup', 'restore'].map((op) => {
    const of = (storage: string) => s.measured.filter((m) => m.storage === storage && m.op === op);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    const folder = median(of('folder').map((m) => m.durationMs));
    const s3 = median(of('S3').map((m) => m.durationMs));
    const rssS3 = Math.max(...of('S3').map((m) => m.peakRssBytes));
    const rssFolder = Math.max(...of('folder').map((m) => m.peakRssBytes));
    return { op, s3, folder, rssS3, rssFolder, rss: Math.max(rssS3, rssFolder), ratioKey: `${op}: S3 ÷ folder`, rssKey: `${op}: peak RSS (max)` };
  });
}

function s3Figures(s: S3VsFolder): Record<string, Figure> {
  return Object.fromEntries(
    s3Rows(s).flatMap((r) => [
      [r.ratioKey, { value: r.s3 / r.folder, unit: 'ratio' }],
      [r.rssKey, { value: r.rss, unit: 'bytes' }],
    ]),
  );
}

/** One table, a row per scale and operation; each scale is its own history section (`s3 vs folder <scale>`). */
function s3Section(measured: S3VsFolder[], history: History, machine: string): string[] {
  if (measured.length === 0) return ['**S3 vs the folder:** not measured (no bench/results/s3-vs-folder-*.json).', ''];
  const sectionOf = (s: S3VsFolder) => history.sections[`s3 vs folder ${s.scale}`];
  return [
    '**S3 vs the folder** (`bench/s3-vs-folder.ts`: the same database backed up and restored to the folder and to s3rver on 127.0.0.1, storing on the same disk; each operation in a fresh process started as `cotton-backup` starts; time is the median, peak RSS the largest of the runs)',
    '',
    ...measured.map((s) => previousNote(sectionOf(s), machine, s.scale)),
    '',
    `| scale | operation | S3 | folder | ratio | peak RSS S3 | peak RSS folder | ${PREVIOUS}: ratio; peak RSS | target | met |`,
    '| --- | --- | --: | --: | --: | --: | --: | --: | --: | :-: |',
    ...measured.flatMap((s) => {
      const figures = s3Figures(s);
      return s3Rows(s).map(
        ({ op, s3, folder, rssS3, rssFolder, rss, ratioKey, rssKey }) =>
          `| ${s.scale} (${fmtBytes(s.databaseBytes)}, ${s.runs} run${s.runs === 1 ? '' : 's'}, ${when(s.measuredAt)}) | ${op} | ${fmtMs(s3)} | ${fmtMs(folder)} | ${(s3 / folder).toFixed(2)}× | ` +
          `${fmtBytes(rssS3)} | ${fmtBytes(rssFolder)} | ${previousCell(figures[ratioKey], sectionOf(s)?.previous, ratioKey)}; ${previousCell(figures[rssKey], sectionOf(s)?.previous, rssKey)} | ` +
          `≤ 200 MB | ${rss <= 200e6 ? 'yes' : 'NO'} |`,
      );
    }),
    '',
  ];
}

interface CopyTime {
  measuredAt: string;
  scale: string;
  files: number;
  table: string[];
}

/** The copy table is saved as text (bench/copy-time.ts); its headline is the copy ÷ backup column. */
function copyRows(c: CopyTime) {
  return c.table.slice(2).map((line) => {
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    return { line, key: `${cells[0]}, ${cells[1]}: copy ÷ backup`, figure: { value: Number(cells[5]), unit: 'decimal' as const } };
  });
}

function copyExtra(c: CopyTime): Extra {
  const rows = copyRows(c);
  const render = (previous: Measurement | undefined) => [
    `**Copy time to a copy target** (\`bench/copy-time.ts\`, ${c.scale} scale, ${c.files.toLocaleString('en')} files, one run, measured ${when(c.measuredAt)}; the folder target and s3rver are on the same disk as the primary, so this is our copy's cost, not a network's)`,
    '',
    `${c.table[0]} ${PREVIOUS}: copy / backup |`,
    `${c.table[1]} --: |`,
    ...rows.map((r) => `${r.line} ${previousCell(r.figure, previous, r.key)} |`),
    '',
  ];
  return { section: 'copy time', measuredAt: c.measuredAt, figures: Object.fromEntries(rows.map((r) => [r.key, r.figure])), render };
}

interface RowCountsOverhead {
  measuredAt: string;
  scale: string;
  databaseBytes: number;
  on: Summary;
  off: Summary;
  ratio: Summary;
}

const ROW_COUNTS_KEY = 'with counts ÷ without';
const rowCountsFigure = (r: RowCountsOverhead): Figure => ({ value: r.ratio.median, unit: 'ratio' });

/** One table for every scale measured, one history section per scale (each is its own run). */
function rowCountsSection(measured: RowCountsOverhead[], history: History, machine: string): string[] {
  if (measured.length === 0) return ['**Row counts in the dump’s snapshot:** not measured (no bench/results/row-counts-overhead-*.json).', ''];
  const previous = (r: RowCountsOverhead) => history.sections[`row counts ${r.scale}`]?.previous;
  return [
    '**Row counts in the dump’s own snapshot** (`bench/row-counts-overhead.ts`: the same full backup with `COTTON_BACKUP_ROW_COUNTS` on and off, alternating, fresh processes; paired ratios, median (min–max))',
    '',
    ...measured.map((r) => previousNote(history.sections[`row counts ${r.scale}`], machine, r.scale)),
    '',
    `| scale | with counts | without | ratio | ${PREVIOUS} | target | met |`,
    '| --- | --: | --: | --: | --: | --: | :-: |',
    ...measured.map(
      (r) =>
        `| ${r.scale} (${fmtBytes(r.databaseBytes)}, ${r.ratio.samples.length} pairs, ${when(r.measuredAt)}) | ${fmtMs(r.on.median)} | ${fmtMs(r.off.median)} | ` +
        `${r.ratio.median.toFixed(2)}× (${r.ratio.min.toFixed(2)}×–${r.ratio.max.toFixed(2)}×) | ${previousCell(rowCountsFigure(r), previous(r), ROW_COUNTS_KEY)} | ` +
        `≤ 1.10× | ${r.ratio.median <= 1.1 ? 'yes' : 'NO'} |`,
    ),
    '',
  ];
}

export interface ExtrasResults {
  profile?: ProfileResult;
  retention?: RetentionOverhead;
  s3: S3VsFolder[];
  copy?: CopyTime;
  rowCounts: RowCountsOverhead[];
}

export async function loadExtras(): Promise<ExtrasResults> {
  return {
    profile: await load<ProfileResult>('backup-profile-300MB.json'),
    retention: await load<RetentionOverhead>('retention-overhead.json'),
    s3: (await Promise.all(S3_SCALES.map((scale) => load<S3VsFolder>(`s3-vs-folder-${scale}.json`)))).filter((s): s is S3VsFolder => s !== undefined),
    copy: await load<CopyTime>('copy-time.json'),
    rowCounts: [await load<RowCountsOverhead>('row-counts-overhead-300MB.json'), await load<RowCountsOverhead>('row-counts-overhead-1.5GB.json')].filter(
      (r): r is RowCountsOverhead => r !== undefined,
    ),
  };
}

/** The history with every section measured as its latest run (the ones they replace become previous). */
export function withExtras(history: History, x: ExtrasResults, commit: string, machine: string): History {
  const sections = [
    ...[x.profile && profileExtra(x.profile), x.retention && retentionExtra(x.retention), x.copy && copyExtra(x.copy)]
      .filter((e): e is Extra => e !== undefined)
      .map((e) => ({ section: e.section, measuredAt: e.measuredAt, figures: e.figures })),
    ...x.s3.map((s) => ({ section: `s3 vs folder ${s.scale}`, measuredAt: s.measuredAt, figures: s3Figures(s) })),
    ...x.rowCounts.map((r) => ({ section: `row counts ${r.scale}`, measuredAt: r.measuredAt, figures: { [ROW_COUNTS_KEY]: rowCountsFigure(r) } })),
  ];
  return sections.reduce((h, { section, measuredAt, figures }) => roll(h, section, { measuredAt, commit, machine, figures }), history);
}

/** `history` already holds these results (see withExtras). */
export function renderExtras(x: ExtrasResults, history: History, machine: string): string {
  const section = (e: Extra | undefined, missing: string) => {
    if (!e) return [missing, ''];
    const [heading, ...rest] = e.render(history.sections[e.section]?.previous);
    return [heading!, '', previousNote(history.sections[e.section], machine), ...rest];
  };
  return [
    `Each section's headline figures are kept in \`bench/history/extras.json\` with the previous run's; *previous (change)* gives that run's figure ` +
      'and how this one differs from it (relative; for percentages, in points).',
    '',
    ...section(x.profile && profileExtra(x.profile), '**Where a backup’s CPU goes:** not measured (no bench/results/backup-profile-300MB.json).'),
    ...section(x.retention && retentionExtra(x.retention), '**Retention’s cost per backup:** not measured (no bench/results/retention-overhead.json).'),
    ...s3Section(x.s3, history, machine),
    ...section(x.copy && copyExtra(x.copy), '**Copy time to a copy target:** not measured (no bench/results/copy-time.json).'),
    ...rowCountsSection(x.rowCounts, history, machine),
  ]
    .join('\n')
    .trimEnd();
}

async function main(): Promise<void> {
  if (process.argv.includes('--run')) {
    for (const script of SCRIPTS) {
      console.log(`— ${script.file} ${script.args.join(' ')}`);
      execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script.file), ...script.args], { stdio: 'inherit' });
    }
  }
  const path = join(import.meta.dirname, '..', 'BENCHMARKS.md');
  const begin = '<!-- bench:extras:begin -->';
  const end = '<!-- bench:extras:end -->';
  const text = await readFile(path, 'utf8');
  const machine = thisMachine();
  const results = await loadExtras();
  const history = withExtras(await readHistory(historyPath('extras')), results, currentCommit(), machine);
  await writeHistory(historyPath('extras'), history);
  const block = `${begin}\n${renderExtras(results, history, machine)}\n${end}`;
  const at = text.indexOf(begin);
  const until = text.indexOf(end);
  await writeFile(path, at >= 0 && until > at ? text.slice(0, at) + block + text.slice(until + end.length) : `${text.trimEnd()}\n\n## Other measurements\n\n${block}\n`);
  console.log(block);
}

// Run as a script only: the specs import the rendering.
if (process.argv[1] && import.meta.filename === process.argv[1]) await main();
