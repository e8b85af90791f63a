import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { sweepStaleTempFiles } from './sweep-temp';

let root: string;
afterEach(() => rm(root, { recursive: true, force: true }));

it('removes only *.tmp files older than the limit, keeping in-flight writes and other files', async () => {
  root = await mkdtemp(join(tmpdir(), 'sweep-'));
  const dir = join(root, 'tmp');
  await mkdir(dir);
  const old = new Date(Date.now() - 2 * 3600_000);
  for (const name of ['stale.a.tmp', 'young.b.tmp', 'other.txt']) await writeFile(join(dir, name), 'x');
  await mkdir(join(dir, 'folder.tmp'));
  for (const name of ['stale.a.tmp', 'other.txt', 'folder.tmp']) await utimes(join(dir, name), old, old);
  expect(await sweepStaleTempFiles(root)).toEqual(['stale.a.tmp']);
  expect((await readdir(dir)).sort()).toEqual(['folder.tmp', 'other.txt', 'young.b.tmp']);
});

it('is a no-op without a tmp folder', async () => {
  root = await mkdtemp(join(tmpdir(), 'sweep-'));
  expect(await sweepStaleTempFiles(join(root, 'missing'))).toEqual([]);
});
