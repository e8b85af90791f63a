import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testServer, type TestDatabase } from '../../../test/support/database';
import { checkDumpVersions, startPgDump } from './pg-dump';
import { runPgRestore } from './pg-restore';

/** Set in this process while the tools run: secrets of the copy targets, ours, and one nobody told us about. */
const SECRETS = {
  AWS_ACCESS_KEY_ID: 'AKIACHILDENVSPEC0001',
  AWS_SECRET_ACCESS_KEY: 'child-env-spec-aws-secret-0123456789',
  AWS_SESSION_TOKEN: 'child-env-spec-session-token',
  ACME_BILLING_API_SECRET: 'child-env-spec-made-up-secret',
  COTTON_MASTER_KEY: 'child-env-spec-master-key-012345',
  PGSERVICE: 'somewhere-else',
};

describe('pg_dump and pg_restore get an allow-listed environment', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  let log: string;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    source = await createTestDatabase('chenv');
    target = await createTestDatabase('chenv');
    await source.pool.query("CREATE TABLE t (x text); INSERT INTO t VALUES ('row')");
    dir = await mkdtemp(join(tmpdir(), 'child-env-'));
    log = join(dir, 'env.log');
    // Shims first on PATH: log the names of the environment the tool was started with, then run the real one.
    for (const tool of ['pg_dump', 'pg_restore']) {
      const real = execFileSync('sh', ['-c', `command -v ${tool}`]).toString().trim();
      await writeFile(join(dir, tool), `#!/bin/sh\n{ printf '${tool}'; tr '\\0' '\\n' < /proc/$$/environ | cut -d= -f1 | sort | sed 's/^/ /' | tr -d '\\n'; echo; } >> "${log}"\nexec "${real}" "$@"\n`);
      await chmod(join(dir, tool), 0o755);
    }
    for (const [name, value] of Object.entries({ ...SECRETS, PATH: `${dir}:${process.env.PATH}` })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await source.drop();
    await target.drop();
    await rm(dir, { recursive: true, force: true });
  });

  // Kills the revert of issue 27 point 11 (test/mutation/hardening-reverts.ts).
  it('none of AWS_*, COTTON_*, inherited PG* or an unknown secret reaches them; PATH and the password do', async () => {
    const password = testServer.password ?? 'unused-under-trust-auth';
    await checkDumpVersions(source.pool);
    const dump = startPgDump({ ...testServer, password, database: source.name });
    const file = join(dir, 'db.dump');
    await pipeline(dump.stdout, createWriteStream(file));
    await dump.done;
    await runPgRestore({ ...testServer, password, database: target.name }, file);
    expect((await target.pool.query('SELECT x FROM t')).rows).toEqual([{ x: 'row' }]);

    const calls = (await readFile(log, 'utf8')).trim().split('\n').map((line) => line.split(' '));
    expect(calls.map((c) => c[0])).toEqual(['pg_dump', 'pg_dump', 'pg_restore']); // --version, the dump, the restore
    for (const [tool, ...names] of calls) {
      for (const secret of Object.keys(SECRETS)) expect(names, `${tool} got ${secret}`).not.toContain(secret);
      expect(names.filter((n) => !['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'LD_LIBRARY_PATH', 'PGPASSWORD', 'PGCONNECT_TIMEOUT'].includes(n) && !n.startsWith('LC_'))).toEqual([]);
      expect(names).toContain('PATH');
    }
    expect(calls[1]).toContain('PGPASSWORD');
    expect(calls[2]).toContain('PGPASSWORD');
  });
});
