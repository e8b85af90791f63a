import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase, testServer, uniqueDatabaseName } from '../../test/support/database';
import { ensureDatabaseExists } from './ensure-database';

describe('ensureDatabaseExists', () => {
  const name = uniqueDatabaseName('ensure');
  const target = { host: testServer.host, port: testServer.port, user: testServer.user, password: testServer.password, database: name };
  afterAll(() => dropDatabase(name));

  it('creates a missing database once, then leaves it alone', async () => {
    expect(await ensureDatabaseExists(target)).toBe(true);
    expect(await ensureDatabaseExists(target)).toBe(false);
  });

  it('does nothing, and does not throw, when the server is unreachable', async () => {
    expect(await ensureDatabaseExists({ ...target, port: 1 })).toBe(false);
  });
});
