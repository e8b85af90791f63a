import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { recorder, resetRecorder } from '../../test/host/fixtures/recorder';
import { ConfigError } from '../config/config';
import { Host } from './host';

const fixtures = fileURLToPath(new URL('../../test/host/fixtures/', import.meta.url));

/** A listen address or a schedule that cannot work is refused before the start touches anything. */
describe('Host start refuses a bad configuration before anything runs', () => {
  let db: TestDatabase;
  let dir: string;
  let storageOpened: number;
  beforeAll(async () => {
    db = await createTestDatabase('hosthttp');
    dir = await mkdtemp(join(tmpdir(), 'cotton-http-host-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    resetRecorder();
    storageOpened = 0;
  });

  function host(env: Record<string, string>, pluginsPath = join(fixtures, 'plugins')): Host {
    return new Host({
      env: { ...db.env, COTTON_MASTER_KEY: 'k'.repeat(32), COTTON_DATA_PATH: join(dir, 'data'), COTTON_HTTP_PORT: '0', COTTON_LOG_LEVEL: 'silent', ...env },
      pluginsPath,
      createStorage: () => {
        storageOpened++;
        throw new Error('storage opened');
      },
    });
  }

  async function nothingRan(): Promise<void> {
    expect(recorder.calls).toEqual([]);
    expect(storageOpened).toBe(0);
    await expect(stat(join(dir, 'data'))).rejects.toThrow(); // not even the development key file
    const { rows } = await db.pool.query("SELECT to_regnamespace('cotton_host') AS host, to_regnamespace('pgboss') AS boss");
    expect(rows[0]).toEqual({ host: null, boss: null });
  }

  it('an unresolvable COTTON_HTTP_HOST', async () => {
    const error = await host({ COTTON_HTTP_HOST: 'no-such-host.invalid' }).start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/COTTON_HTTP_HOST: "no-such-host\.invalid" does not resolve/);
    await nothingRan();
  });

  it('a COTTON_HTTP_HOST that is not an address of this machine', async () => {
    const error = await host({ COTTON_HTTP_HOST: '192.0.2.1' }).start().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/COTTON_HTTP_HOST: cannot listen on "192\.0\.2\.1" port 0 \(EADDRNOTAVAIL\)/);
    await nothingRan();
  });

  it('a COTTON_HTTP_PORT already taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((taken.address() as { port: number }).port);
      const error = await host({ COTTON_HTTP_HOST: '127.0.0.1', COTTON_HTTP_PORT: port }).start().catch((e: unknown) => e);
      expect((error as Error).message).toMatch(new RegExp(`COTTON_HTTP_PORT: port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    await nothingRan();
  });

  it("a schedule pg-boss could not parse (the backup plugin's setting)", async () => {
    const error = await host({ COTTON_VERIFY_SCHEDULE: '0 25 * * *' }, fileURLToPath(new URL('../../plugins', import.meta.url))).start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/COTTON_VERIFY_SCHEDULE: expected a cron expression/);
    await nothingRan();
  });
});
