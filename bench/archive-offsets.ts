/**
 * pg_restore -j 2 on a pipe-written custom-format archive (no data offsets), on the same file after
 * patchArchiveOffsets (test/support), and on a file pg_dump wrote itself (offsets set by pg_dump),
 * for reference.
 *
 *   node --import tsx bench/archive-offsets.ts [--scale 100] [--rounds 3]
 *
 * Reports times, not a pass/fail. Rounds alternate the order of the variants so page-cache and
 * autovacuum effects do not all land on one of them.
 */
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { patchArchiveOffsets } from '../test/support/patch-archive-offsets';
import { seedCottonDatabase } from '../test/support/cotton-schema';
import { createTestDatabase, testServer, type TestDatabase } from '../test/support/database';

const run = promisify(execFile);
const argValue = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const scale = argValue('scale', 100);
const rounds = argValue('rounds', 3);
const connection = ['--host', testServer.host, '--port', String(testServer.port), '--username', testServer.user, '--no-password'];
const env = { ...process.env, ...(testServer.password ? { PGPASSWORD: testServer.password } : {}) };

async function pipeDump(database: string, file: string): Promise<void> {
  const child = spawn('pg_dump', ['--format=custom', '--compress=0', ...connection, '--dbname', database], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await pipeline(child.stdout, createWriteStream(file));
  if ((await exited) !== 0) throw new Error('pg_dump failed');
}

async function timeRestore(file: string): Promise<number> {
  const target = await createTestDatabase('bench_aoff');
  try {
    await target.pool.query('CREATE EXTENSION IF NOT EXISTS citext; CREATE EXTENSION IF NOT EXISTS hstore');
    const started = performance.now();
    await run('pg_restore', ['-j', '2', '--no-owner', '--no-privileges', '--exit-on-error', ...connection, '--dbname', target.name, file], { env });
    return performance.now() - started;
  } finally {
    await target.drop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  let source: TestDatabase | undefined;
  const dir = await mkdtemp(join(tmpdir(), 'bench-archive-offsets-'));
  try {
    source = await createTestDatabase('bench_aoff_src');
    let started = performance.now();
    await seedCottonDatabase(source.pool, scale);
    await source.pool.query('VACUUM ANALYZE');
    console.log(`seeded scale ${scale} in ${seconds(performance.now() - started)}`);

    const unpatched = join(dir, 'piped.dump');
    const patched = join(dir, 'patched.dump');
    const seekable = join(dir, 'seekable.dump');
    await pipeDump(source.name, unpatched);
    await run('pg_dump', ['--format=custom', '--compress=0', ...connection, '--dbname', source.name, '--file', seekable], { env });
    await copyFile(unpatched, patched);
    started = performance.now();
    const result = await patchArchiveOffsets(patched);
    const patchMs = performance.now() - started;
    const { size } = await stat(unpatched);
    console.log(`archive ${(size / 2 ** 20).toFixed(1)} MiB; patch ${seconds(patchMs)} ${JSON.stringify(result)}`);

    const variants = { unpatched, patched, 'pg_dump -f': seekable } as const;
    const times: Record<string, number[]> = { unpatched: [], patched: [], 'pg_dump -f': [] };
    for (let round = 0; round < rounds; round++) {
      const order = Object.keys(variants) as (keyof typeof variants)[];
      if (round % 2 === 1) order.reverse();
      for (const name of order) {
        const ms = await timeRestore(variants[name]);
        times[name]!.push(ms);
        console.log(`round ${round + 1} ${name}: ${seconds(ms)}`);
      }
    }
    console.log(`\npg_restore -j 2, median of ${rounds} (scale ${scale}, ${(size / 2 ** 20).toFixed(1)} MiB):`);
    for (const [name, xs] of Object.entries(times)) console.log(`  ${name.padEnd(11)} ${seconds(median(xs))}  [${xs.map(seconds).join(', ')}]`);
    console.log(`  patch step  ${seconds(patchMs)}`);
  } finally {
    await source?.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
