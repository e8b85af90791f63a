import { fail, ok, type Check } from './check-line';

/**
 * The primary storage opens under the master key and takes a write: a probe object written,
 * fsynced and removed. It needs the database: Cotton's server_settings may name an S3 bucket.
 */
export const storageCheck: Check = {
  name: 'storage',
  needs: ['configuration', 'database'],
  async run(env) {
    let description = 'the primary storage';
    try {
      const storage = await env.storage();
      description = storage.backend?.description ?? description;
      if (!storage.backend) throw new Error('it has no raw backend to probe');
      await storage.backend.probe();
      return [ok('storage', `${description} writable: a probe object was written, fsynced and removed`)];
    } catch (error) {
      return [fail('storage', `${description} cannot take a backup: ${(error as Error).message}`, 'create the folder (COTTON_STORAGE_PATH) or bucket, make it writable by this user, free space, or correct the storage variables')];
    }
  },
};
