/**
 * Where a backup's time goes (issue 15.2), in CPU time, which the other users of a shared machine
 * do not change (wall time they do):
 *
 *   node --import tsx bench/backup-profile.ts [--scale quick|tiny|300MB] [--runs N] [--zstd-levels 1,-1,-3]
 *
 * 1. The real thing: `runBackup` of the compiled code (dist/) in a fresh plain-Node process, as the
 *    product runs it (under tsx the heap is larger and GC behaves differently): our CPU (every
 *    thread: main, libuv pool for zstd and fs, V8 workers for GC) and pg_dump's, from the kernel's
 *    accounting; its backend's from /proc/<pid>/stat (the PostgreSQL server runs on this machine).
 * 2. The same dump replayed stage by stage, synchronously on the main thread, each stage timed
 *    with process.cpuUsage() (nothing else runs meanwhile; process.threadCpuUsage() was tried and
 *    is too coarse on this kernel: ±50 % on 8 MiB of SHA-256): chunking, SHA-256 of each chunk (its key) and of
 *    the whole dump, zstd at each level asked for, AES-256-GCM (CTN2 chunks and header), one
 *    whole-chunk copy, write, fsync + rename + directory fsync. What the real run costs beyond
 *    the stages' sum is the price of streams, promises, the event store and GC.
 * 3. The floor: `pg_dump -Fc -Z0 > /dev/null`, timed back to back.
 *
 * Figures are ms of CPU per MiB of (uncompressed) dump. Written to bench/results/backup-profile-<scale>.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, writevSync, mkdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { constants as zlib, zstdCompressSync } from 'node:zlib';
import { childEnvironment } from '../plugins/backup/dump/pg-tools';
import { FastCdcChunker, DEFAULT_CHUNKING } from '../plugins/backup/chunking/fastcdc';
import { deriveMasterEncryptionKey } from '../src/keys/keys';
import { buildChunkHeader, buildFileHeader, createChunkCipher, CTN2_KEY_ID, DEFAULT_CHUNK_SIZE } from '../src/storage/ctn2/format';
import { backupOnce, datasetDatabase, type BackupCpuRun } from './backup-cpu';
import { childrenCpuMs, processCpuMs } from './proc-cpu';
import { MiB, summarize, type Summary } from './stats';
import { cleanupAll, openPool, pgDumpArgs, removeDir, target, tempDir, timeTool } from './tools';

const MASTER_KEY = 'bench-profile-master-key-0123456';
const REPO = fileURLToPath(new URL('..', import.meta.url));
const processCpuTotalMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Follows the CPU of the backend serving `applicationName` until it disconnects; stop() returns
 * its last reading (sampled every 25 ms, so at most that much of its very end is missed).
 */
function watchBackend(database: string, applicationName: string) {
  const pool = openPool(database, 1);
  pool.on('error', () => undefined); // an idle connection cut when the run ends
  let pid: number | undefined;
  let last = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      if (pid === undefined) {
        const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [database, applicationName]);
        pid = rows[0]?.pid;
      }
      if (pid !== undefined) last = processCpuMs(pid) ?? last;
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    async stop(): Promise<{ cpuMs: number; found: boolean }> {
      running = false;
      await loop;
      await pool.end();
      return { cpuMs: last, found: pid !== undefined };
    },
  };
}

/** A real backup (BackupCpuRun: our CPU by thread, pg_dump's, major GCs) and its backend's CPU. */
export interface RealRun extends BackupCpuRun {
  backendCpuMs: number;
}

/** One real backup into a fresh storage root: the compiled code in its own process, as the product runs. */
async function realBackup(database: string, dir: string): Promise<RealRun> {
  const storageRoot = join(dir, `real-${randomBytes(4).toString('hex')}`);
  const backend = watchBackend(database, 'pg_dump');
  try {
    const run = await backupOnce(REPO, database, storageRoot);
    const { cpuMs: backendCpuMs } = await backend.stop();
    return { ...run, backendCpuMs };
  } finally {
    await removeDir(storageRoot).catch(() => undefined);
  }
}

export type StageName =
  | 'chunking'
  | 'sha256 chunk key'
  | 'sha256 whole dump'
  | 'copy (one whole-chunk copy)'
  | 'aes-256-gcm (CTN2)'
  | 'write'
  | 'fsync + rename + dir fsync';

export interface Replay {
  dumpBytes: number;
  chunks: number;
  pgDumpCpuMs: number;
  backendCpuMs: number;
  /** CPU ms of each stage on the main thread (zstd excluded: see zstd). */
  stagesCpuMs: Record<StageName, number>;
  /** Wall ms of the I/O stages (they wait for the disk more than they compute). */
  ioWallMs: { write: number; fsync: number };
  /** Per zstd level: CPU ms and compressed bytes. */
  zstd: { level: number; cpuMs: number; bytes: number }[];
}

/** pg_dump once, every stage of our pipeline replayed on each chunk, each on its own CPU timer. */
async function replayStages(database: string, dir: string, zstdLevels: number[], storedLevel: number): Promise<Replay> {
  const objects = join(dir, `replay-${randomBytes(4).toString('hex')}`);
  mkdirSync(objects, { recursive: true });
  const masterKey = deriveMasterEncryptionKey(MASTER_KEY);
  const stages = Object.fromEntries(
    (['chunking', 'sha256 chunk key', 'sha256 whole dump', 'copy (one whole-chunk copy)', 'aes-256-gcm (CTN2)', 'write', 'fsync + rename + dir fsync'] as StageName[]).map((s) => [s, 0]),
  ) as Record<StageName, number>;
  const io = { write: 0, fsync: 0 };
  const zstd = zstdLevels.map((level) => ({ level, cpuMs: 0, bytes: 0 }));
  const timed = <T>(stage: StageName, f: () => T): T => {
    const t = processCpuTotalMs();
    const result = f();
    stages[stage] += processCpuTotalMs() - t;
    return result;
  };
  const chunker = new FastCdcChunker(DEFAULT_CHUNKING);
  const whole = createHash('sha256');
  let dumpBytes = 0;
  let chunks = 0;

  const processChunk = (chunk: Buffer) => {
    chunks++;
    dumpBytes += chunk.length;
    timed('sha256 whole dump', () => whole.update(chunk));
    const key = timed('sha256 chunk key', () => createHash('sha256').update(chunk).digest('hex'));
    timed('copy (one whole-chunk copy)', () => Buffer.from(chunk));
    let stored: Buffer | undefined;
    for (const z of zstd) {
      const t = processCpuTotalMs();
      const compressed = zstdCompressSync(chunk, { params: { [zlib.ZSTD_c_compressionLevel]: z.level } });
      z.cpuMs += processCpuTotalMs() - t;
      z.bytes += compressed.length;
      if (z.level === storedLevel) stored = compressed;
    }
    stored ??= zstdCompressSync(chunk, { params: { [zlib.ZSTD_c_compressionLevel]: storedLevel } });
    const container = timed('aes-256-gcm (CTN2)', () => encryptPieces(stored!, masterKey));
    const temp = join(objects, `${key.slice(4)}.tmp`);
    let fd = 0;
    const w0 = performance.now();
    timed('write', () => {
      fd = openSync(temp, 'wx', 0o600);
      writevSync(fd, container);
    });
    const w1 = performance.now();
    timed('fsync + rename + dir fsync', () => {
      fsyncSync(fd);
      closeSync(fd);
      renameSync(temp, join(objects, `${key.slice(4)}.ctn`));
      const d = openSync(objects, 'r');
      fsyncSync(d);
      closeSync(d);
    });
    io.write += w1 - w0;
    io.fsync += performance.now() - w1;
  };

  const applicationName = `bench-profile-${randomBytes(4).toString('hex')}`;
  const backend = watchBackend(database, applicationName);
  const children0 = childrenCpuMs();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('pg_dump', pgDumpArgs(database), {
      env: { ...childEnvironment(target(database)), PGAPPNAME: applicationName },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr = (stderr + t).slice(-4096)));
    child.stdout.on('data', (piece: Buffer) => {
      for (const chunk of timed('chunking', () => chunker.push(piece))) processChunk(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`pg_dump exited with ${code}: ${stderr.trim()}`));
      for (const chunk of timed('chunking', () => chunker.flush())) processChunk(chunk);
      resolve();
    });
  });
  const pgDumpCpuMs = childrenCpuMs() - children0;
  const { cpuMs: backendCpuMs, found } = await backend.stop();
  if (!found) throw new Error('the pg_dump backend was never seen in pg_stat_activity');
  whole.digest();
  await removeDir(objects).catch(() => undefined);
  return { dumpBytes, chunks, pgDumpCpuMs, backendCpuMs, stagesCpuMs: stages, ioWallMs: io, zstd };
}

// What Ctn2EncryptStream does per object: header (data key wrapped), 1 MiB GCM chunks, terminator.
function encryptPieces(plaintext: Buffer, masterKey: Buffer): Buffer[] {
  const dataKey = randomBytes(32);
  const noncePrefix = randomBytes(4).readUInt32LE(0);
  const parts = [buildFileHeader({ masterKey, dataKey, totalLength: 0, keyId: CTN2_KEY_ID, noncePrefix, keyWrapNonce: randomBytes(12) })];
  let index = 0;
  for (let offset = 0; offset < plaintext.length; offset += DEFAULT_CHUNK_SIZE, index++) {
    const piece = plaintext.subarray(offset, offset + DEFAULT_CHUNK_SIZE);
    const cipher = createChunkCipher(dataKey, noncePrefix, CTN2_KEY_ID, index, piece.length);
    const ciphertext = cipher.update(piece);
    cipher.final();
    parts.push(buildChunkHeader(piece.length, CTN2_KEY_ID, cipher.getAuthTag()), ciphertext);
  }
  const end = createChunkCipher(dataKey, noncePrefix, CTN2_KEY_ID, index, 0);
  end.final();
  parts.push(buildChunkHeader(0, CTN2_KEY_ID, end.getAuthTag()));
  return parts;
}

export interface ProfileResult {
  measuredAt: string;
  scale: string;
  runs: number;
  cores: number;
  dumpBytes: number;
  chunks: number;
  floorWallMs: Summary;
  real: { wallMs: Summary; oursCpuMs: Summary; pgDumpCpuMs: Summary; backendCpuMs: Summary };
  /** ms of CPU per MiB of dump (medians over the runs). */
  perMiB: {
    backend: number;
    pgDump: number;
    oursReal: number;
    /** The real run's CPU by thread: main (JS: chunking, hashing, AES-GCM, streams), libuv pool (zstd, fs), V8 workers (GC, JIT). */
    threads: Record<string, number>;
    stages: Record<string, number>;
    zstd: { level: number; cpuMsPerMiB: number; ratio: number }[];
    stagesSum: number;
    /** oursReal − stagesSum (at the stored zstd level): streams, promises, events, GC. */
    overhead: number;
  };
  ioWallMsPerMiB: { write: number; fsync: number };
  majorGcsPerRun: number;
  floor: {
    /**
     * CPU of the busier of pg_dump and its backend: the floor's wall time can never be below it
     * (its wall time also waits for the disk and the pipe), whatever the load.
     */
    floorCpuMs: number;
    /** (backend + pg_dump + ours) CPU ÷ cores: the least wall time two cores can do it in. */
    cpuBoundMs: number;
    /** max(that, the floor's wall time) ÷ the floor's wall time: the best ratio this machine allows. */
    bestRatio: number;
    /** The measured ratio, real backup ÷ floor. */
    measuredRatio: number;
  };
  loadAverage: { start: number[]; end: number[] };
}

export async function profileBackup(scaleName: string, runs: number, zstdLevels: number[]): Promise<ProfileResult> {
  const loadStart = loadavg();
  const { scale, database } = await datasetDatabase('profile', scaleName);
  const dir = await tempDir('profile');
  try {
    execFileSync(process.execPath, [join(REPO, 'bin/build.js')], { stdio: 'ignore' }); // the real backups run dist/
    const storedLevel = 1;
    const floor: number[] = [];
    const reals: RealRun[] = [];
    const replays: Replay[] = [];
    for (let round = 0; round < runs; round++) {
      const steps = [
        async () => void floor.push(await timeTool('pg_dump', pgDumpArgs(database), database)),
        async () => void reals.push(await realBackup(database, dir)),
        async () => void replays.push(await replayStages(database, dir, zstdLevels.includes(storedLevel) ? zstdLevels : [storedLevel, ...zstdLevels], storedLevel)),
      ];
      for (let k = 0; k < steps.length; k++) await steps[(k + round) % steps.length]!();
    }
    const med = (xs: number[]) => summarize(xs).median;
    const first = replays[0]!;
    const mib = first.dumpBytes / MiB;
    const per = (ms: number) => ms / mib;
    const stageNames = Object.keys(first.stagesCpuMs) as StageName[];
    const stages = Object.fromEntries(stageNames.map((s) => [s, per(med(replays.map((r) => r.stagesCpuMs[s])))]));
    const zstd = first.zstd.map((z, i) => ({
      level: z.level,
      cpuMsPerMiB: per(med(replays.map((r) => r.zstd[i]!.cpuMs))),
      ratio: first.dumpBytes / z.bytes,
    }));
    const stored = zstd.find((z) => z.level === storedLevel)!;
    const stagesSum = Object.values(stages).reduce((a, b) => a + b, 0) + stored.cpuMsPerMiB;
    const real = {
      wallMs: summarize(reals.map((r) => r.wallMs)),
      oursCpuMs: summarize(reals.map((r) => r.oursCpuMs)),
      pgDumpCpuMs: summarize(reals.map((r) => r.pgDumpCpuMs)),
      backendCpuMs: summarize(reals.map((r) => r.backendCpuMs)),
    };
    const cores = cpus().length;
    const floorWall = summarize(floor);
    const totalCpu = real.oursCpuMs.median + real.pgDumpCpuMs.median + real.backendCpuMs.median;
    const cpuBoundMs = totalCpu / cores;
    return {
      measuredAt: new Date().toISOString(),
      scale: scale.name,
      runs,
      cores,
      dumpBytes: first.dumpBytes,
      chunks: first.chunks,
      floorWallMs: floorWall,
      real,
      perMiB: {
        backend: per(real.backendCpuMs.median),
        pgDump: per(real.pgDumpCpuMs.median),
        oursReal: per(real.oursCpuMs.median),
        threads: Object.fromEntries(
          Object.keys(reals[0]!.threadsCpuMs)
            .map((name) => [name, per(med(reals.map((r) => r.threadsCpuMs[name] ?? 0)))] as const)
            .filter(([, v]) => v > 0),
        ),
        stages: { ...stages, [`zstd level ${storedLevel}`]: stored.cpuMsPerMiB },
        zstd,
        stagesSum,
        overhead: per(real.oursCpuMs.median) - stagesSum,
      },
      ioWallMsPerMiB: { write: per(med(replays.map((r) => r.ioWallMs.write))), fsync: per(med(replays.map((r) => r.ioWallMs.fsync))) },
      majorGcsPerRun: med(reals.map((r) => r.majorGcs)),
      floor: {
        floorCpuMs: Math.max(real.backendCpuMs.median, real.pgDumpCpuMs.median),
        cpuBoundMs,
        bestRatio: Math.max(cpuBoundMs, floorWall.median) / floorWall.median,
        measuredRatio: real.wallMs.median / floorWall.median,
      },
      loadAverage: { start: loadStart.map((n) => Number(n.toFixed(2))), end: loadavg().map((n) => Number(n.toFixed(2))) },
    };
  } finally {
    await removeDir(dir).catch(() => undefined);
  }
}

export function renderProfile(r: ProfileResult): string {
  const f = (n: number) => n.toFixed(2);
  const lines = [
    `backup profile, ${r.scale}: dump ${(r.dumpBytes / MiB).toFixed(1)} MiB in ${r.chunks} chunks, ${r.runs} run(s), ${r.cores} cores`,
    `CPU ms per MiB of dump:`,
    `  PostgreSQL backend (COPY)        ${f(r.perMiB.backend)}`,
    `  pg_dump                          ${f(r.perMiB.pgDump)}`,
    `  ours, real runBackup (all threads) ${f(r.perMiB.oursReal)}`,
    `    by thread: ${Object.entries(r.perMiB.threads).map(([name, v]) => `${name} ${f(v)}`).join(', ')}; ${r.majorGcsPerRun} major GCs per backup`,
    `    stages replayed one by one on the main thread:`,
    ...Object.entries(r.perMiB.stages).map(([name, v]) => `    ${name.padEnd(30)} ${f(v)}`),
    `    sum of the stages              ${f(r.perMiB.stagesSum)}`,
    `    the rest (streams, events, GC) ${f(r.perMiB.overhead)}`,
    `  zstd levels: ${r.perMiB.zstd.map((z) => `${z.level}: ${f(z.cpuMsPerMiB)} ms/MiB, ratio ${z.ratio.toFixed(2)}`).join('; ')}`,
    `I/O wall ms per MiB: write ${f(r.ioWallMsPerMiB.write)}, fsync+rename+dir fsync ${f(r.ioWallMsPerMiB.fsync)}`,
    `floor (pg_dump -Fc -Z0 > /dev/null) ${r.floorWallMs.median.toFixed(0)} ms; real backup ${r.real.wallMs.median.toFixed(0)} ms = ${f(r.floor.measuredRatio)}×`,
    `all CPU ÷ ${r.cores} cores = ${r.floor.cpuBoundMs.toFixed(0)} ms → best possible ${f(r.floor.bestRatio)}× the floor as measured (loaded machine)`,
    `(the floor's busier process, pg_dump or its backend, used ${r.floor.floorCpuMs.toFixed(0)} ms of CPU: the floor's wall time can never be below that)`,
    `load average ${r.loadAverage.start.join(' / ')} → ${r.loadAverage.end.join(' / ')}`,
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (flag: string) => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  try {
    const result = await profileBackup(arg('--scale') ?? 'quick', Number(arg('--runs') ?? 3), (arg('--zstd-levels') ?? '1,-1,-3,-5').split(',').map(Number));
    console.log(renderProfile(result));
    const dir = join(import.meta.dirname, 'results');
    await mkdir(dir, { recursive: true });
    const name = arg('--out') ?? `backup-profile-${result.scale}.json`;
    await writeFile(join(dir, name), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written bench/results/${name}`);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await cleanupAll();
  }
}
