import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { checkDumpVersions, PgDumpTooOldError } from './pg-dump';
import { childEnvironment } from './pg-tools';

describe('pg_dump version check', () => {
  let db: TestDatabase;
  let shims: string;
  const path = process.env.PATH;
  beforeAll(async () => {
    db = await createTestDatabase('pgdv');
    shims = await mkdtemp(join(tmpdir(), 'pgdump-shim-'));
  });
  afterEach(() => {
    process.env.PATH = path;
  });
  afterAll(async () => {
    await db.drop();
    await rm(shims, { recursive: true, force: true });
  });

  it('accepts the installed pg_dump for this server', async () => {
    const versions = await checkDumpVersions(db.pool);
    expect(versions.pgDumpVersion).toMatch(/^\d+\.\d+$/);
    expect(versions.serverVersion).toMatch(/^\d+\.\d+$/);
  });

  it('refuses a pg_dump older than the server, up front, saying what to install', async () => {
    await writeFile(join(shims, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 12.4"\n');
    await chmod(join(shims, 'pg_dump'), 0o755);
    process.env.PATH = `${shims}:${path}`;
    const error = await checkDumpVersions(db.pool).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgDumpTooOldError);
    expect((error as Error).message).toMatch(/pg_dump 12\.4 is older than the PostgreSQL server 1\d\.\d+.*Install the PostgreSQL 1\d client tools/);
  });

  it('hands children the password as PGPASSWORD and none of our own variables', () => {
    process.env.COTTON_MASTER_KEY = 'x'.repeat(32);
    process.env.COTTON_ADMIN_TOKEN = 'y'.repeat(20);
    try {
      const env = childEnvironment({ host: 'h', port: 1, database: 'd', user: 'u', password: 'sekret' });
      expect(env.PGPASSWORD).toBe('sekret');
      expect(Object.keys(env).filter((k) => k.startsWith('COTTON_'))).toEqual([]);
    } finally {
      delete process.env.COTTON_MASTER_KEY;
      delete process.env.COTTON_ADMIN_TOKEN;
    }
  });
});
