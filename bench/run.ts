/**
 * The benchmark suite: how fast, how small, how lean — against pg_dump, pg_restore, Cotton's
 * own way and, when `restic` is on the PATH, restic (bench/restic.ts), each figure a ratio against
 * a baseline measured in the same run.
 *
 *   npm run bench                 quick mode (~60 MB database, 3 runs, 100 k audit events; < 3 min)
 *   npm run bench:full            ~300 MB and ~1.5 GB databases, 3 runs, 1 M audit events
 *   options: --runs N  --scales tiny,quick,300MB,1.5GB  --no-audit  --no-trigger  --audit-events N
 *            --trigger-requests N  --no-write (skip BENCHMARKS.md)  --merge (keep the last run's other figures)
 *            --render (rewrite BENCHMARKS.md from bench/results/<mode>.json, measuring nothing)
 *
 * Writes bench/results/latest.json and the summary into BENCHMARKS.md (between the markers of
 * the mode), with the figures of the previous run beside this run's from bench/history/<mode>.json
 * (committed; this run becomes its latest, the run it replaces its previous). Creates only bench_* databases and bench-* temp folders, and removes them at the end,
 * also on failure or Ctrl-C.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { machineInfo } from './machine';
import { fmtMs } from './stats';
import { cleanupAll, log } from './tools';
import { SCALES, type Scale } from './scales';
import { readResults, type BenchResults } from './results';
import { benchAuditQueries, benchScale, benchTriggerLatency } from './bench-scale';
import { historyWithRun, renderText, writeBenchmarksMd } from './report';
import { currentCommit } from './history/store';
import { benchCliStart } from './cli-start';


interface Options {
  full: boolean;
  runs: number;
  scales: Scale[];
  auditEvents: number;
  auditRuns: number;
  audit: boolean;
  triggerRequests: number;
  write: boolean;
  /** Keep what bench/results/<mode>.json holds for the steps this run does not measure. */
  merge: boolean;
}

function parseOptions(argv: string[]): Options {
  const full = argv.includes('--full');
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  // `--scales none` measures no scale (with --merge: only the other steps, the scales kept from the last run).
  const scaleNames = value('--scales')?.split(',').filter((n) => n !== '' && n !== 'none') ?? (full ? ['300MB', '1.5GB'] : ['quick']);
  const scales = scaleNames.map((n) => {
    const scale = SCALES[n];
    if (!scale) throw new Error(`unknown scale ${n}; known: ${Object.keys(SCALES).join(', ')}`);
    return scale;
  });
  return {
    full,
    runs: Number(value('--runs') ?? 3),
    scales,
    auditEvents: Number(value('--audit-events') ?? (full ? 1_000_000 : 100_000)),
    auditRuns: 50,
    audit: !argv.includes('--no-audit'),
    triggerRequests: argv.includes('--no-trigger') ? 0 : Number(value('--trigger-requests') ?? (full ? 100 : 20)),
    write: !argv.includes('--no-write'),
    merge: argv.includes('--merge'),
  };
}


async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (process.argv.includes('--render')) {
    // Re-render BENCHMARKS.md from bench/results/<mode>.json, measuring nothing.
    const saved = await readResults(join(import.meta.dirname, 'results', `${options.full ? 'full' : 'quick'}.json`));
    if (!saved) throw new Error('no saved results to render');
    console.log(renderText(saved, await historyWithRun(saved)));
    await writeBenchmarksMd(saved);
    return;
  }
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const machine = await machineInfo();
  const loadStart = loadavg().map((n) => Number(n.toFixed(2)));
  log(`${options.full ? 'full' : 'quick'} mode, ${options.runs} runs, scales ${options.scales.map((s) => s.name).join(', ')}`);
  const results: BenchResults = {
    mode: options.full ? 'full' : 'quick',
    startedAt,
    commit: currentCommit(),
    durationMs: 0,
    machine,
    runs: options.runs,
    scales: [],
    loadAverage: { start: loadStart, end: [] },
    pending: [],
    skipped: [...(options.audit ? [] : ['audit queries']), ...(options.triggerRequests > 0 ? [] : ['trigger latency'])],
  };
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const previous = options.merge ? await readResults(join(dir, `${results.mode}.json`)) : undefined;
  if (previous) {
    // The figures this run does not re-measure, from the earlier run (its date stays in `mergedFrom`).
    const measured = new Set(options.scales.map((s) => s.name));
    results.scales = previous.scales.filter((s) => !measured.has(s.scale));
    if (!options.audit && previous.audit) results.audit = previous.audit;
    if (options.triggerRequests === 0 && previous.triggerLatency) results.triggerLatency = previous.triggerLatency;
    results.mergedFrom = previous.startedAt;
  }
  // Results are published after every step, so that a long full run cut short keeps what it measured.
  const publish = async () => {
    results.durationMs = performance.now() - started;
    results.loadAverage.end = loadavg().map((n) => Number(n.toFixed(2)));
    await writeFile(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(dir, `${results.mode}.json`), `${JSON.stringify(results, null, 2)}\n`);
    if (options.write) await writeBenchmarksMd(results);
  };
  // The smallest scale first, then the audit and the trigger latency, the largest scale last.
  const [first, ...rest] = options.scales;
  const steps: { name: string; run: () => Promise<void> }[] = [
    ...(first ? [{ name: `scale ${first.name}`, run: async () => void results.scales.push(await benchScale(first, options.runs)) }] : []),
    ...(options.audit
      ? [{ name: 'audit queries', run: async () => void (results.audit = await benchAuditQueries(options.auditEvents, options.auditRuns)) }]
      : []),
    ...(options.triggerRequests > 0
      ? [{ name: 'trigger latency', run: async () => void (results.triggerLatency = await benchTriggerLatency(options.triggerRequests)) }]
      : []),
    { name: 'cli start', run: async () => void (results.cliStart = await benchCliStart(options.full ? 20 : 10)) },
    ...rest.map((scale) => ({ name: `scale ${scale.name}`, run: async () => void results.scales.push(await benchScale(scale, options.runs)) })),
  ];
  results.pending = steps.map((s) => s.name);
  for (const step of steps) {
    await step.run();
    results.pending = results.pending.filter((name) => name !== step.name);
    await publish();
  }
  console.log(`\n${renderText(results, await historyWithRun(results))}\n`);
  log(`done in ${fmtMs(results.durationMs)}; bench/results/latest.json${options.write ? `, BENCHMARKS.md and bench/history/${results.mode}.json` : ''} written`);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: cleaning up bench_* databases and temp folders…`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

main()
  .then(
    () => 0,
    (error: unknown) => {
      console.error(error);
      return 1;
    },
  )
  .then(async (code) => {
    if (!interrupted) await cleanupAll();
    process.exit(code);
  });
