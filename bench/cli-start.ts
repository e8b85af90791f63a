/**
 * How long the CLI takes to start (issue 15.1): `cotton-backup --help` and `cotton-backup list`
 * (over a small database whose plugin schema is already up to date) against `node -e 0`, each
 * a fresh process, in rotating order, as a ratio to `node -e 0` of the same round.
 *
 *   node --import tsx bench/cli-start.ts [--runs N]     (also a step of `npm run bench`)
 *
 * Wall time is what the operator waits for, but it moves with the machine's load; the CPU time
 * of each child (user + system, from the kernel's accounting of reaped children) does not, so
 * both are reported.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NODE_FLAGS } from '../src/cli/node-flags';
import { childrenCpuMs } from './proc-cpu';
import { summarize, ratios, fmtMs, fmtRatio, type Summary } from './stats';
import { cleanupAll, createDatabase, dropOwnedDatabase, removeDir, server, tempDir } from './tools';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin/cotton-backup.js');

export interface CliStartFigure {
  command: string;
  wallMs: Summary;
  /** Wall time ÷ `node -e 0`'s of the same round. */
  ratio: Summary;
  /** Mean CPU (user + system) of the process, ms. */
  cpuMs: number;
  targetMs: number;
}

export interface CliStartResult {
  measuredAt: string;
  runs: number;
  nodeVersion: string;
  baseline: { wallMs: Summary; cpuMs: number };
  commands: CliStartFigure[];
  loadAverage: { start: number[]; end: number[] };
}

function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ wallMs: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const cpuBefore = childrenCpuMs();
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(-1000)}`));
      resolve({ wallMs, cpuMs: childrenCpuMs() - cpuBefore });
    });
  });
}

export async function benchCliStart(runs: number): Promise<CliStartResult> {
  const loadStart = loadavg();
  const database = await createDatabase('cli');
  const dir = await tempDir('cli');
  try {
    // An empty storage folder, as a fresh install's: the CLI refuses a storage path that does not exist.
    await mkdir(join(dir, 'files'));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      COTTON_PG_HOST: server.host,
      COTTON_PG_PORT: String(server.port),
      COTTON_PG_USERNAME: server.user,
      COTTON_PG_PASSWORD: server.password,
      COTTON_PG_DATABASE: database,
      COTTON_MASTER_KEY: 'bench-cli-start-master-key-01234',
      COTTON_STORAGE_PATH: join(dir, 'files'),
      COTTON_DATA_PATH: join(dir, 'data'),
      COTTON_LOG_LEVEL: 'warn',
    };
    const methods = [
      { name: 'node -e 0', args: ['-e', '0'], targetMs: 0 },
      { name: 'cotton-backup --help', args: [...NODE_FLAGS, BIN, '--help'], targetMs: 300 },
      { name: 'cotton-backup list', args: [...NODE_FLAGS, BIN, 'list'], targetMs: 500 },
    ];
    // Warm-up: builds dist/ if stale, fills the compile cache, applies the plugin's migrations.
    for (const m of methods) await timed(m.args, env);
    const samples = methods.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
    for (let round = 0; round < runs; round++) {
      for (let k = 0; k < methods.length; k++) {
        const i = (k + round) % methods.length;
        const { wallMs, cpuMs } = await timed(methods[i]!.args, env);
        samples[i]!.wall.push(wallMs);
        samples[i]!.cpu.push(cpuMs);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const base = samples[0]!;
    return {
      measuredAt: new Date().toISOString(),
      runs,
      nodeVersion: process.version,
      baseline: { wallMs: summarize(base.wall), cpuMs: mean(base.cpu) },
      commands: methods.slice(1).map((m, k) => ({
        command: m.name,
        wallMs: summarize(samples[k + 1]!.wall),
        ratio: ratios(samples[k + 1]!.wall, base.wall),
        cpuMs: mean(samples[k + 1]!.cpu),
        targetMs: m.targetMs,
      })),
      loadAverage: { start: loadStart.map((n) => Number(n.toFixed(2))), end: loadavg().map((n) => Number(n.toFixed(2))) },
    };
  } finally {
    await dropOwnedDatabase(database);
    await removeDir(dir);
  }
}

export function renderCliStart(r: CliStartResult): string {
  const lines = [
    `node -e 0: ${fmtMs(r.baseline.wallMs.median)} wall, ${fmtMs(r.baseline.cpuMs)} CPU (${r.runs} runs, ${r.nodeVersion})`,
    ...r.commands.map(
      (c) =>
        `${c.command}: ${fmtMs(c.wallMs.median)} wall (${fmtMs(c.wallMs.min)}–${fmtMs(c.wallMs.max)}) = ${fmtRatio(c.ratio.median)} node -e 0, ` +
        `${fmtMs(c.cpuMs)} CPU; target ≤ ${fmtMs(c.targetMs)}: ${c.wallMs.median <= c.targetMs ? 'yes' : 'NO'}`,
    ),
    `load average ${r.loadAverage.start.join(' / ')} → ${r.loadAverage.end.join(' / ')}`,
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--runs');
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 10;
  try {
    const result = await benchCliStart(runs);
    console.log(renderCliStart(result));
    const dir = join(import.meta.dirname, 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'cli-start.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await cleanupAll();
  }
}
