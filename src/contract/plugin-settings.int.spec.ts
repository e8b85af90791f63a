import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { MemoryStorage } from '../../test/host/memory-storage';
import { recorder, resetRecorder } from '../../test/host/fixtures/recorder';
import { runCliCaptured } from '../../test/support/cli';
import { ConfigError } from '../config/config';
import { Host } from '../host/host';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const plugins = join(repo, 'test/host/fixtures/settings-plugins');

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase('settings');
  dir = await mkdtemp(join(tmpdir(), 'cotton-settings-'));
});

afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => resetRecorder());

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...db.env,
    COTTON_MASTER_KEY: 'k'.repeat(32),
    COTTON_DATA_PATH: join(dir, 'data'),
    COTTON_STORAGE_PATH: join(dir, 'files'),
    COTTON_HTTP_PORT: '0',
    COTTON_LOG_LEVEL: 'silent',
    ...extra,
  };
}

describe("a plugin's own settings", () => {
  it('are validated by the host with its own variables, every problem in one ConfigError, no secret echoed', async () => {
    const host = new Host({
      env: env({ COTTON_ZSTD_LEVEL: '99', COTTON_GREETER_TIMES: 'many', COTTON_ADMIN_TOKEN: 'short-secret' }),
      pluginsPath: plugins,
      createStorage: () => new MemoryStorage(),
    });
    const error = await host.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['COTTON_ADMIN_TOKEN', 'COTTON_GREETER_TIMES', 'COTTON_ZSTD_LEVEL']);
    expect(problems.join('\n')).not.toContain('short-secret');
    expect(recorder.calls).toEqual([]);
  });

  it('reach the plugin, parsed, through its settings token', async () => {
    const host = new Host({ env: env({ COTTON_GREETER_NAME: 'cotton', COTTON_GREETER_TIMES: '3' }), pluginsPath: plugins, createStorage: () => new MemoryStorage(), stopTimeoutMs: 2000 });
    try {
      await host.start();
      expect(recorder.calls).toEqual(['greeter:register(cottonx3)']);
    } finally {
      await host.stop();
    }
  });

  it("are validated by the CLI with the host's (the backup plugin's variables included)", async () => {
    const { code, stderr } = await runCliCaptured(
      {
        ...env({ COTTON_ZSTD_LEVEL: '99', COTTON_CHUNK_MIN_BYTES: 'small', COTTON_BACKUP_TIMEZONE: 'Mars/Olympus_Mons' }),
        COTTON_PLUGINS_PATH: join(repo, 'plugins'),
      },
      'list',
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/^cotton-backup: invalid configuration: /);
    for (const variable of ['COTTON_ZSTD_LEVEL', 'COTTON_CHUNK_MIN_BYTES', 'COTTON_BACKUP_TIMEZONE']) expect(stderr).toContain(`${variable}: `);
  });
});
