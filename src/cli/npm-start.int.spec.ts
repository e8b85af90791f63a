import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';

const repo = fileURLToPath(new URL('../../', import.meta.url));

let db: TestDatabase;
let dir: string;
let hostPid: number | undefined;

beforeAll(async () => {
  db = await createTestDatabase('npm_start');
  dir = await mkdtemp(join(tmpdir(), 'cotton-npm-start-'));
});

afterAll(async () => {
  // A host left behind by a failed run would keep serving (the defect this spec holds).
  if (hostPid !== undefined) {
    try {
      process.kill(hostPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  it('stops the host on the SIGTERM a container runtime sends to npm: the host exits and its port closes', async () => {
    // Started as a container's `CMD ["npm", "start"]` starts it: npm, its shell, then node.
    const npm = spawn('npm', ['start'], {
      cwd: repo,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...db.env,
        COTTON_MASTER_KEY: 'npm-start-spec-master-key-012345',
        COTTON_DATA_PATH: join(dir, 'data'),
        COTTON_STORAGE_PATH: join(dir, 'files'),
        COTTON_PLUGINS_PATH: join(repo, 'test/host/fixtures/plugins'),
        COTTON_HTTP_PORT: '0',
        COTTON_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    // 'exit', not 'close': a host left behind holds npm's stderr pipe open.
    const npmExited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    const serving = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not serve:\n${stderr}`)), 60_000);
      npm.stderr.on('data', (chunk: Buffer) => {
        stderr += String(chunk);
        const line = stderr.split('\n').find((l) => l.includes('host serving'));
        if (!line) return;
        clearTimeout(timer);
        resolve(JSON.parse(line) as { url: string; pid: number });
      });
      npm.on('exit', () => reject(new Error(`npm start exited early:\n${stderr}`)));
    });
    hostPid = serving.pid;
    expect(hostPid).not.toBe(npm.pid); // the host is npm's descendant, not npm itself
    expect((await fetch(`${serving.url}/health`)).status).toBe(200);

    npm.kill('SIGTERM');
    const npmCode = await npmExited;
    for (let i = 0; i < 100 && alive(hostPid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(hostPid), 'the host outlived npm').toBe(false);
    expect(npmCode).toBe(0);
    expect(stderr).toContain('host stopped');
    await expect(fetch(`${serving.url}/health`)).rejects.toThrow();
    // No COTTON_ADMIN_TOKEN: serve says the admin routes are closed.
    expect(stderr).toContain('COTTON_ADMIN_TOKEN is not set: the admin routes and the admin page are closed');
  }, 90_000);
});
