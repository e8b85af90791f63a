import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { deriveMasterEncryptionKey, sha256Hex } from '../keys/keys';
import { createLogger } from '../logging/logger';
import { openStorage } from './open-storage';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cotton-open-storage-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const masterEncryptionKey = deriveMasterEncryptionKey('0123456789abcdef0123456789abcdef');
const logger = createLogger({ level: 'silent' });

it('opens the configured folder: the backend sweeps its own stale temp files, the pipeline reads back', async () => {
  const files = join(root, 'files');
  await mkdir(join(files, 'tmp'), { recursive: true });
  await writeFile(join(files, 'tmp', 'dead.1.tmp'), 'partial');
  const old = new Date(Date.now() - 2 * 3600_000);
  await utimes(join(files, 'tmp', 'dead.1.tmp'), old, old);
  await writeFile(join(files, 'tmp', 'inflight.2.tmp'), 'partial');

  const config = loadConfig({ COTTON_STORAGE_PATH: files, COTTON_DATA_PATH: root });
  const opened = await openStorage({ config, masterEncryptionKey, logger });
  expect(opened.backend.description).toBe(files);
  expect(await readdir(join(files, 'tmp'))).toEqual(['inflight.2.tmp']);

  const key = sha256Hex('hello');
  await opened.storage.write(key, Buffer.from('hello'));
  expect((await opened.storage.readBuffer(key)).toString()).toBe('hello');
  await opened.close();
});
