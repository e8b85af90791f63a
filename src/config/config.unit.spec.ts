import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig as loadHostConfig } from './config';
import { backupSettingsOf, backupSettingsOwner } from '../../plugins/backup/settings/backup-settings';
import { DEV_MASTER_KEY_FILE, resolveMasterKey } from './master-key';

/** The host's configuration with the backup plugin's settings, as the host validates them at start. */
function loadConfig(env: NodeJS.ProcessEnv) {
  const config = loadHostConfig(env, [backupSettingsOwner]);
  const { restore, ...backup } = backupSettingsOf(config);
  return { ...config, restore, backup };
}

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has Cotton-compatible defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ host: 'localhost', port: 5432, database: 'cotton_dev', user: 'postgres', password: undefined });
    expect(config.masterKey).toBeUndefined();
    expect(config.restore).toEqual({ ifEmpty: false, fallback: 'none', extensions: ['citext', 'hstore'] });
    expect(config.storage).toEqual({ root: './data/files', zstdLevel: 1 });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080, adminToken: undefined });
    expect(config.logLevel).toBe('info');
    expect(config.pluginsPath).toBeUndefined();
    expect(config.backup.schedule).toBe('0 3 * * *');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ COTTON_PG_PORT: '', COTTON_MASTER_KEY: '' }).database.port).toBe(5432);
  });

  it('rejects a bad port, naming the variable', () => {
    expect(problems({ COTTON_PG_PORT: '70000' }).join('\n')).toMatch(/^COTTON_PG_PORT: /);
    expect(problems({ COTTON_PG_PORT: 'abc' })[0]).toMatch(/^COTTON_PG_PORT: /);
    expect(problems({ COTTON_HTTP_PORT: '-1' })[0]).toMatch(/^COTTON_HTTP_PORT: /);
    expect(loadConfig({ COTTON_HTTP_PORT: '0' }).http.port).toBe(0);
  });

  it('rejects a short master key without echoing it', () => {
    const secret = 'too-short-secret-value';
    const error = (() => {
      try {
        loadConfig({ COTTON_MASTER_KEY: secret });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).toContain('COTTON_MASTER_KEY');
    expect(error.message).toContain('exactly 32 characters');
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.problems)).not.toContain(secret);
  });

  it('does not echo a short admin token or password either', () => {
    const message = problems({ COTTON_ADMIN_TOKEN: 'short-tok' }).join('\n');
    expect(message).toContain('COTTON_ADMIN_TOKEN');
    expect(message).not.toContain('short-tok');
  });

  it('rejects a bad boolean', () => {
    const [problem] = problems({ COTTON_RESTORE_DATABASE_IF_EMPTY: 'maybe' });
    expect(problem).toMatch(/^COTTON_RESTORE_DATABASE_IF_EMPTY: expected one of /);
    expect(problem).toContain('true');
    expect(problem).not.toContain('maybe');
    expect(loadConfig({ COTTON_RESTORE_DATABASE_IF_EMPTY: 'yes' }).restore.ifEmpty).toBe(true);
  });

  it('refuses a COTTON_PG_DATABASE that libpq would read as a connection string', () => {
    for (const value of ['dbname=other', 'postgresql://postgres@127.0.0.1/other', "cotton dev", 'x'.repeat(64)]) {
      const [problem] = problems({ COTTON_PG_DATABASE: value });
      expect(problem).toMatch(/^COTTON_PG_DATABASE: expected a plain database name .*not a connection string/);
    }
    expect(loadConfig({ COTTON_PG_DATABASE: 'cotton-prod_2' }).database.database).toBe('cotton-prod_2');
  });

  it('refuses a COTTON_PG_HOST that libpq would read as several hosts', () => {
    expect(problems({ COTTON_PG_HOST: 'db1,db2' })[0]).toMatch(/^COTTON_PG_HOST: expected a host name, an IP address or a socket directory/);
    expect(problems({ COTTON_PG_HOST: "host='evil'" })[0]).toMatch(/^COTTON_PG_HOST: /);
    for (const host of ['db.internal', '10.0.0.5', '::1', '/var/run/postgresql']) expect(loadConfig({ COTTON_PG_HOST: host }).database.host).toBe(host);
  });

  it('refuses a schedule pg-boss could not parse, naming the variable', () => {
    expect(problems({ COTTON_BACKUP_SCHEDULE: '61 * * * *' })[0]).toMatch(/^COTTON_BACKUP_SCHEDULE: expected a cron expression .*61/);
    expect(problems({ COTTON_VERIFY_SCHEDULE: 'every day' })[0]).toMatch(/^COTTON_VERIFY_SCHEDULE: expected a cron expression/);
    expect(problems({ COTTON_BACKUP_SCHEDULE: '   ' })[0]).toMatch(/^COTTON_BACKUP_SCHEDULE: expected a cron expression .*blank/);
    const both = problems({ COTTON_BACKUP_SCHEDULE: '0 3 31 2 *', COTTON_VERIFY_SCHEDULE: '0 3 * * * * *' });
    expect(both.map((p) => p.split(':')[0]).sort()).toEqual(['COTTON_BACKUP_SCHEDULE', 'COTTON_VERIFY_SCHEDULE']);
    const ok = loadConfig({ COTTON_BACKUP_SCHEDULE: '15 2 * * mon-fri', COTTON_VERIFY_SCHEDULE: '@daily' });
    expect([ok.backup.schedule, ok.backup.verifySchedule]).toEqual(['15 2 * * mon-fri', '@daily']);
  });

  it('refuses an admin token holding whitespace, without echoing it', () => {
    for (const token of ['admin token with spaces', 'admin-token-0123456789\n', '\tadmin-token-0123456789', 'admin-token-0123456789\u00a0x']) {
      const message = problems({ COTTON_ADMIN_TOKEN: token }).join('\n');
      expect(message).toMatch(/^COTTON_ADMIN_TOKEN: expected visible ASCII characters only, without spaces/);
      expect(message).not.toContain(token.trim());
    }
    expect(loadConfig({ COTTON_ADMIN_TOKEN: 'Admin-token_0123456789~!' }).http.adminToken).toBe('Admin-token_0123456789~!');
  });

  it('refuses a COTTON_BACKUP_TIMEZONE that is no IANA time zone, naming the variable', () => {
    expect(problems({ COTTON_BACKUP_TIMEZONE: 'Mars/Olympus_Mons' })[0]).toBe('COTTON_BACKUP_TIMEZONE: expected an IANA time-zone name such as "Europe/Berlin" or "UTC"');
    expect(problems({ COTTON_BACKUP_TIMEZONE: 'UTC+2' })[0]).toMatch(/^COTTON_BACKUP_TIMEZONE: /);
    expect(loadConfig({ COTTON_BACKUP_TIMEZONE: 'Europe/Berlin' }).backup.timezone).toBe('Europe/Berlin');
  });

  it('refuses chunk sizes out of order (min < avg < max)', () => {
    expect(problems({ COTTON_CHUNK_MIN_BYTES: '16384', COTTON_CHUNK_AVG_BYTES: '16384' })).toEqual([
      'COTTON_CHUNK_MIN_BYTES < COTTON_CHUNK_AVG_BYTES < COTTON_CHUNK_MAX_BYTES must hold',
    ]);
    expect(loadConfig({ COTTON_CHUNK_MIN_BYTES: '16384', COTTON_CHUNK_AVG_BYTES: '32768', COTTON_CHUNK_MAX_BYTES: '65536' }).backup.chunking).toEqual({
      minBytes: 16384,
      avgBytes: 32768,
      maxBytes: 65536,
    });
  });

  it('lists every problem at once', () => {
    const all = problems({ COTTON_PG_PORT: 'x', COTTON_LOG_LEVEL: 'loud', COTTON_LOG_FORMAT: 'pretty', COTTON_MASTER_KEY: 'short' });
    expect(all.map((p) => p.split(':')[0]).sort()).toEqual(['COTTON_LOG_FORMAT', 'COTTON_LOG_LEVEL', 'COTTON_MASTER_KEY', 'COTTON_PG_PORT']);
  });

  it('reads COTTON_LOG_FORMAT: json unless told text', () => {
    expect(loadConfig({}).logFormat).toBe('json');
    expect(loadConfig({ COTTON_LOG_FORMAT: 'text' }).logFormat).toBe('text');
  });
});

describe('resolveMasterKey', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cotton-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses the configured key without touching the disk', async () => {
    const warnings: string[] = [];
    expect(await resolveMasterKey('c'.repeat(32), join(dir, 'unused'), (m) => warnings.push(m))).toBe('c'.repeat(32));
    expect(warnings).toEqual([]);
    await expect(stat(join(dir, 'unused'))).rejects.toThrow();
  });

  it('generates a development key once, mode 0600, and warns every time', async () => {
    const warnings: string[] = [];
    const first = await resolveMasterKey(undefined, join(dir, 'data'), (m) => warnings.push(m));
    const second = await resolveMasterKey(undefined, join(dir, 'data'), (m) => warnings.push(m));
    expect(first).toHaveLength(32);
    expect(second).toBe(first);
    const file = join(dir, 'data', DEV_MASTER_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/DEVELOPMENT key/);
    expect(warnings[0]).not.toContain(first);
  });
});
