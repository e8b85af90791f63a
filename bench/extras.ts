/**
 * The measurements that are scripts of their own (not steps of `npm run bench`), rendered into
 * BENCHMARKS.md between the `bench:extras` markers from what they saved in bench/results:
 *
 *   node --import tsx bench/extras.ts            render what is saved
 *   node --import tsx bench/extras.ts --run      run each script first (300MB profile, 1 M chunk rows, S3 quick), then render
 *
 * A script whose results file is missing is said to be not measured; nothing is copied by hand.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProfileResult } from './backup-profile';
import { fmtBytes, fmtMs, type Summary } from './stats';

const RESULTS = join(import.meta.dirname, 'results');
const SCRIPTS: { file: string; args: string[] }[] = [
  { file: 'backup-profile.ts', args: ['--scale', '300MB', '--runs', '3'] },
  { file: 'retention-overhead.ts', args: ['--rows', '1000000', '--runs', '5'] },
  { file: 's3-vs-folder.ts', args: ['--scale', 'quick', '--runs', '2'] },
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

function profileSection(p: ProfileResult | undefined): string[] {
  if (!p) return ['**Where a backup’s CPU goes:** not measured (no bench/results/backup-profile-300MB.json).', ''];
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
  return [
    `**Where a backup’s CPU goes** (\`bench/backup-profile.ts\`, ${p.scale}, ${p.runs} runs, measured ${when(p.measuredAt)}, dump ${fmtBytes(p.dumpBytes)} in ${p.chunks} chunks; ms of CPU per MiB of dump, medians; load average ${p.loadAverage.start.join(' / ')} at the start)`,
    '',
    '| where | ms CPU / MiB |',
    '| --- | --: |',
    ...rows.map(([what, v]) => `| ${what} | ${ms(v)} |`),
    '',
    `- zstd levels (CPU ms / MiB, compression ratio): ${m.zstd.map((z) => `${z.level}: ${ms(z.cpuMsPerMiB)}, ${z.ratio.toFixed(2)}×`).join('; ')}`,
    `- the floor (\`pg_dump -Fc -Z0 > /dev/null\`) took ${fmtMs(p.floorWallMs.median)}; everything together is ${fmtMs(p.floor.cpuBoundMs)} of CPU per core on ${p.cores} cores, ` +
      `so no backup on this machine can be faster than **${p.floor.bestRatio.toFixed(2)}× the floor**; the real backup measured ${p.floor.measuredRatio.toFixed(2)}× in these runs ` +
      `(target ≤ 1.25×: ${p.floor.bestRatio <= 1.25 ? 'reachable' : 'out of reach here'})`,
    `- full garbage collections per backup: ${p.majorGcsPerRun}`,
    '',
  ];
}

interface RetentionOverhead {
  measuredAt: string;
  chunkRows: number;
  backup: Summary;
  retention: Summary;
  ratio: number;
}

function retentionSection(r: RetentionOverhead | undefined): string[] {
  if (!r) return ['**Retention’s cost per backup:** not measured (no bench/results/retention-overhead.json).', ''];
  return [
    `**Retention’s cost per backup** (\`bench/retention-overhead.ts\`, ${r.chunkRows.toLocaleString('en')} rows in Cotton’s chunks table, ${r.backup.samples.length} backups that each expire one, measured ${when(r.measuredAt)})`,
    '',
    '| metric | ours | baseline | ratio | target | met |',
    '| --- | --: | --: | --: | --: | :-: |',
    `| pin + release after a backup vs the backup itself | ${fmtMs(r.retention.median)} | ${fmtMs(r.backup.median)} | ${(100 * r.ratio).toFixed(1)} % | ≤ 5 % | ${r.ratio <= 0.05 ? 'yes' : 'NO'} |`,
    '',
  ];
}

interface S3VsFolder {
  measuredAt: string;
  scale: string;
  databaseBytes: number;
  runs: number;
  measured: { storage: string; op: string; durationMs: number; peakRssBytes: number }[];
}

function s3Section(s: S3VsFolder | undefined): string[] {
  if (!s) return ['**S3 vs the folder:** not measured (no bench/results/s3-vs-folder.json).', ''];
  const rows = ['backup', 'restore'].map((op) => {
    const of = (storage: string) => s.measured.filter((m) => m.storage === storage && m.op === op);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    const folder = median(of('folder').map((m) => m.durationMs));
    const s3 = median(of('S3').map((m) => m.durationMs));
    const rss = Math.max(...of('S3').map((m) => m.peakRssBytes), ...of('folder').map((m) => m.peakRssBytes));
    return `| ${op} | ${fmtMs(s3)} | ${fmtMs(folder)} | ${(s3 / folder).toFixed(2)}× | ${fmtBytes(rss)} | ≤ 200 MB | ${rss <= 200e6 ? 'yes' : 'NO'} |`;
  });
  return [
    `**S3 vs the folder** (\`bench/s3-vs-folder.ts\`, ${s.scale} database ${fmtBytes(s.databaseBytes)}, s3rver on 127.0.0.1 storing on the same disk, ${s.runs} run(s) each, measured ${when(s.measuredAt)})`,
    '',
    '| operation | S3 | folder | ratio | peak RSS (max of both) | target | met |',
    '| --- | --: | --: | --: | --: | --: | :-: |',
    ...rows,
    '',
  ];
}

interface CopyTime {
  measuredAt: string;
  scale: string;
  files: number;
  table: string[];
}

function copySection(c: CopyTime | undefined): string[] {
  if (!c) return ['**Copy time to a copy target:** not measured (no bench/results/copy-time.json).', ''];
  return [
    `**Copy time to a copy target** (\`bench/copy-time.ts\`, ${c.scale} scale, ${c.files.toLocaleString('en')} files, one run, measured ${when(c.measuredAt)}; the folder target and s3rver are on the same disk as the primary, so this is our copy's cost, not a network's)`,
    '',
    ...c.table,
    '',
  ];
}

interface RowCountsOverhead {
  measuredAt: string;
  scale: string;
  databaseBytes: number;
  on: Summary;
  off: Summary;
  ratio: Summary;
}

function rowCountsSection(results: (RowCountsOverhead | undefined)[]): string[] {
  const measured = results.filter((r): r is RowCountsOverhead => r !== undefined);
  if (measured.length === 0) return ['**Row counts in the dump’s snapshot:** not measured (no bench/results/row-counts-overhead-*.json).', ''];
  return [
    '**Row counts in the dump’s own snapshot** (`bench/row-counts-overhead.ts`: the same full backup with `COTTON_BACKUP_ROW_COUNTS` on and off, alternating, fresh processes; paired ratios, median (min–max))',
    '',
    '| scale | with counts | without | ratio | target | met |',
    '| --- | --: | --: | --: | --: | :-: |',
    ...measured.map(
      (r) =>
        `| ${r.scale} (${fmtBytes(r.databaseBytes)}, ${r.ratio.samples.length} pairs, ${when(r.measuredAt)}) | ${fmtMs(r.on.median)} | ${fmtMs(r.off.median)} | ` +
        `${r.ratio.median.toFixed(2)}× (${r.ratio.min.toFixed(2)}×–${r.ratio.max.toFixed(2)}×) | ≤ 1.10× | ${r.ratio.median <= 1.1 ? 'yes' : 'NO'} |`,
    ),
    '',
  ];
}

export async function renderExtras(): Promise<string> {
  return [
    ...profileSection(await load<ProfileResult>('backup-profile-300MB.json')),
    ...retentionSection(await load<RetentionOverhead>('retention-overhead.json')),
    ...s3Section(await load<S3VsFolder>('s3-vs-folder.json')),
    ...copySection(await load<CopyTime>('copy-time.json')),
    ...rowCountsSection([await load<RowCountsOverhead>('row-counts-overhead-300MB.json'), await load<RowCountsOverhead>('row-counts-overhead-1.5GB.json')]),
  ].join('\n').trimEnd();
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
  const block = `${begin}\n${await renderExtras()}\n${end}`;
  const at = text.indexOf(begin);
  const until = text.indexOf(end);
  await writeFile(path, at >= 0 && until > at ? text.slice(0, at) + block + text.slice(until + end.length) : `${text.trimEnd()}\n\n## Other measurements\n\n${block}\n`);
  console.log(block);
}

await main();
