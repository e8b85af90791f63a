import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type HostConfig } from '../../src/config/config';
import { runMigrations } from '../../src/db/migrations/runner';
import { deriveMasterEncryptionKey } from '../../src/keys/keys';
import { createStorage } from '../../src/storage/open/create-storage';
import { createTestDatabase, type TestDatabase } from './database';
import { MIGRATIONS_PATH } from '../../plugins/backup/index';
import { createBackupServices, type BackupServices } from '../../plugins/backup/runtime/services';

export const TEST_MASTER_KEY = 'test-master-key-0123456789abcdef';

export interface BackupFixture {
  db: TestDatabase;
  root: string;
  config: HostConfig;
  /** The environment the config was read from: what a CLI run over the same database and root needs. */
  env: Record<string, string>;
  masterEncryptionKey: Buffer;
  storage: ReturnType<typeof createStorage>;
  services: BackupServices;
  cleanup(): Promise<void>;
}

/** A fresh database with the plugin's schema, a temp storage root, and the plugin's services over them. */
export async function createBackupFixture(prefix = 'bk', env: Record<string, string> = {}): Promise<BackupFixture> {
  const db = await createTestDatabase(prefix);
  const root = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const environment = {
    ...db.env,
    COTTON_MASTER_KEY: TEST_MASTER_KEY,
    COTTON_STORAGE_PATH: join(root, 'files'),
    COTTON_DATA_PATH: join(root, 'data'),
    COTTON_LOG_LEVEL: 'silent',
    ...env,
  };
  const config = loadConfig(environment);
  await runMigrations(db.pool, [{ plugin: 'backup', path: MIGRATIONS_PATH }]);
  const masterEncryptionKey = deriveMasterEncryptionKey(TEST_MASTER_KEY);
  const storage = createStorage({ root: config.storage.root, masterEncryptionKey });
  const services = createBackupServices({ config, pool: db.pool, storage, masterEncryptionKey, clock: { now: () => new Date() } });
  return {
    db,
    root,
    config,
    env: environment,
    masterEncryptionKey,
    storage,
    services,
    async cleanup() {
      await services.coordinator.stop(0);
      await db.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
