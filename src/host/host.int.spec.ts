import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { MemoryStorage } from '../../test/host/memory-storage';
import { recorder, resetRecorder } from '../../test/host/fixtures/recorder';
import { loadConfig } from '../config/config';
import { Host } from './host';
import { HostTokens } from '../contract/services';
import { resolve } from '../contract/tokens';

const fixtures = fileURLToPath(new URL('../../test/host/fixtures/', import.meta.url));
const TOKEN = 'host-spec-admin-token-0123456789';

let db: TestDatabase;
let dataPath: string;

beforeAll(async () => {
  db = await createTestDatabase('host');
  dataPath = await mkdtemp(join(tmpdir(), 'cotton-host-'));
});

afterAll(async () => {
  await db?.drop();
  await rm(dataPath, { recursive: true, force: true });
});

beforeEach(() => resetRecorder());

function newHost(pluginsFolder: string): Host {
  const config = loadConfig({
    ...db.env,
    COTTON_MASTER_KEY: 'k'.repeat(32),
    COTTON_DATA_PATH: dataPath,
    COTTON_STORAGE_PATH: join(dataPath, 'files'),
    COTTON_HTTP_PORT: '0',
    COTTON_ADMIN_TOKEN: TOKEN,
    COTTON_LOG_LEVEL: 'silent',
  });
  return new Host({ config, pluginsPath: join(fixtures, pluginsFolder), createStorage: () => new MemoryStorage(), stopTimeoutMs: 2000 });
}

async function hostConnections(): Promise<number> {
  const r = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'cotton-backup%'`,
    [db.name],
  );
  return r.rows[0]!.n;
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Host', () => {
  it('runs the lifecycle in order, serves, and stops in reverse', async () => {
    const host = newHost('plugins');
    await host.start();
    try {
      expect(host.plugins.map((p) => p.folder)).toEqual(['alpha', 'beta']);
      expect(recorder.calls).toEqual([
        'alpha:register(boss=false)',
        'beta:register',
        'alpha:startupRestore(table=false,pool=true,storage=true,boss=false,routes=false)',
        'beta:startupRestore',
        'alpha:start(table=true,boss=true,routes=true)',
        'beta:start',
      ]);
      expect(host.migrations).toEqual([{ plugin: 'alpha', version: 1, name: 'items', applied: true }]);

      const url = host.url!;
      expect(host.httpAddress!.port).toBeGreaterThan(0);
      const health = await (await fetch(`${url}/health`)).json();
      expect(health).toMatchObject({ status: 'ok' });
      expect(await (await fetch(`${url}/alpha`)).json()).toEqual({ alpha: true });
      expect((await fetch(`${url}/api/v1/host/plugins`)).status).toBe(401);
      const plugins = await fetch(`${url}/api/v1/host/plugins`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(plugins.status).toBe(200);
      const body = (await plugins.json()) as { plugins: Array<{ name: string }> };
      expect(body.plugins.map((p) => p.name)).toEqual(['alpha', 'beta']);

      // pg-boss runs in its own schema and the plugin's job is queued there.
      const jobs = await db.pool.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'alpha-jobs'`);
      expect(jobs.rows[0].n).toBe(1);

      // Notifications reach the plugin as raw text, JSON or not.
      await db.pool.query(`SELECT pg_notify('alpha_channel', 'not json {')`);
      await db.pool.query(`SELECT pg_notify('alpha_channel', '{"a":1}')`);
      await waitFor(() => recorder.payloads.length === 2, 'two notifications');
      expect(recorder.payloads).toEqual(['not json {', '{"a":1}']);

      // A lost listening connection comes back, re-LISTENs, and tells the plugin to catch up.
      await db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cotton-backup-listen' AND datname = $1`, [db.name]);
      await waitFor(() => recorder.reconnects === 1, 'the reconnect handler');
      await db.pool.query(`SELECT pg_notify('alpha_channel', 'after reconnect')`);
      await waitFor(() => recorder.payloads.length === 3, 'a notification after reconnect');

      expect(resolve(host.container, HostTokens.Config).http.adminToken).toBe(TOKEN);
    } finally {
      await host.stop();
    }
    expect(recorder.calls.slice(-2)).toEqual(['beta:stop', 'alpha:stop']);
    expect(host.state).toBe('stopped');
    await expect(fetch(`${'http://127.0.0.1'}:${host.httpAddress?.port ?? 1}/health`)).rejects.toThrow();
    // Backends exit asynchronously after the client closes; give the server a moment.
    await waitFor(async () => (await hostConnections()) === 0, 'the host to close its connections');
  });

  it('applies nothing the second time', async () => {
    const host = newHost('plugins');
    await host.start();
    await host.stop();
    expect(host.migrations).toEqual([{ plugin: 'alpha', version: 1, name: 'items', applied: false }]);
  });

  it('does not serve, migrate or start plugins when a startupRestore hook throws', async () => {
    const host = newHost('failing-plugins');
    await expect(host.start()).rejects.toThrow(/restore source unreadable/);
    expect(host.state).toBe('failed');
    expect(host.url).toBeUndefined();
    expect(recorder.calls).toEqual(['broken:register', 'broken:startupRestore']);
    const applied = await db.pool.query(`SELECT to_regclass('public.broken_marker')::text AS t`);
    expect(applied.rows[0].t).toBeNull();
    await waitFor(async () => (await hostConnections()) === 0, 'the host to close its connections');
  });

  it('stops cleanly when asked to stop while a startup hook is still running', async () => {
    const host = newHost('slow-plugins');
    const starting = host.start();
    await waitFor(() => recorder.calls.includes('slow:startupRestore'), 'the slow hook');
    await host.stop();
    await expect(starting).rejects.toThrow(/stopped while starting/);
    expect(host.state).toBe('stopped');
    expect(host.url).toBeUndefined();
    expect(recorder.calls).toEqual(['slow:register', 'slow:startupRestore', 'slow:startupRestore:aborted']);
  });

  it('fails to start with a message naming a folder that holds no plugin', async () => {
    const host = newHost('bad-plugins');
    await expect(host.start()).rejects.toThrow(/plugin folder notaplugin: index.ts must default-export a CottonPlugin/);
  });

  it('fails to start when the plugins folder does not exist', async () => {
    const host = newHost('no-such-folder');
    await expect(host.start()).rejects.toThrow(/no-such-folder.*COTTON_PLUGINS_PATH/);
  });
});
