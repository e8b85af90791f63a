import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostFixture, type HostFixture } from '../../../test/support/host-fixture';

// Issue 27 point 14a (and 0 for `serve`): a host started on another storage than the one its
// database records, or with another key, refuses to start in one message, instead of every
// retention run logging "a kept backup's manifest is unreadable" and releases stopping.
describe('serve refuses another storage or another key at start', () => {
  let f: HostFixture;
  let recorded: string;
  // Kills the revert of issue 27 point 14a (test/mutation/hardening-reverts.ts).
  beforeAll(async () => {
    f = await createHostFixture('servebind');
    const host = await f.startHost();
    await host.stop();
    const { rows } = await f.db.pool.query('SELECT storage_id FROM cotton_backup.storage_identity');
    expect(rows).toHaveLength(1);
    recorded = rows[0].storage_id;
  });
  afterAll(() => f?.cleanup());

  it('the storage path changed: refused naming both identities', async () => {
    const moved = join(f.root, 'files-elsewhere');
    await mkdir(moved);
    const error = await f.startHost({ COTTON_STORAGE_PATH: moved }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(recorded);
    expect(message).toContain(moved);
    expect(message).toContain('adopt-storage');
  });

  it('another master key: refused naming COTTON_MASTER_KEY', async () => {
    const error = await f.startHost({ COTTON_MASTER_KEY: 'another-valid-key-0123456789abcd' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^COTTON_MASTER_KEY does not open storage .*: its identity [0-9a-f]{32} \(created .*\) was made under another key/);
  });

  it('the recorded storage and key still start', async () => {
    const host = await f.startHost();
    await host.stop();
  });
});
