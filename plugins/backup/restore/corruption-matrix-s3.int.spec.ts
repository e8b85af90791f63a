import { afterAll, beforeAll } from 'vitest';
import { deriveMasterEncryptionKey } from '../../../src/keys/keys';
import { createPipelineStorage } from '../../../src/storage/pipeline/pipeline';
import { S3Backend } from '../../../src/storage/s3/s3-backend';
import { describeCorruptionMatrix, type StoragePlace } from '../../../test/restore/corruption-matrix';
import { hostConfig, MASTER_KEY, removeRoot, tempRoot } from '../../../test/restore/fixtures';
import { startS3Server, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET, type TestS3Server } from '../../../test/support/s3-server';

const masterEncryptionKey = deriveMasterEncryptionKey(MASTER_KEY);
let server: TestS3Server;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(() => server.stop());

/** A bucket of its own (and a data folder for the host), under the variables an operator sets. */
async function bucketPlace(bucket: string): Promise<StoragePlace> {
  const root = await tempRoot('rsmxs3');
  const backend = new S3Backend(server.settings(bucket));
  return {
    storage: { ...createPipelineStorage(backend, { masterEncryptionKey }), backend },
    hostConfig: (db, env = {}) =>
      hostConfig(db, root, {
        COTTON_STORAGE_S3_ENDPOINT: server.endpoint,
        COTTON_STORAGE_S3_REGION: 'us-east-1',
        COTTON_STORAGE_S3_BUCKET: bucket,
        COTTON_STORAGE_S3_ACCESS_KEY_ID: TEST_S3_ACCESS_KEY_ID,
        COTTON_STORAGE_S3_SECRET_ACCESS_KEY: TEST_S3_SECRET,
        ...env,
      }),
    // Every object copied as it is stored (raw container bytes), so each case damages its own bucket.
    copy: async () => {
      const copy = await bucketPlace(await server.createBucket('rsmxc'));
      for await (const key of backend.list()) {
        await copy.storage.backend.write(key, await backend.openRead(key));
      }
      return copy;
    },
    dispose: async () => {
      await backend.close();
      await removeRoot(root);
    },
  };
}

// The folder's matrix (corruption-matrix.int.spec.ts), every case and expectation, on a bucket of s3rver.
describeCorruptionMatrix('corruption matrix on S3: a startup restore refuses a damaged latest backup in the bucket', async () =>
  bucketPlace(await server.createBucket('rsmx')),
);
