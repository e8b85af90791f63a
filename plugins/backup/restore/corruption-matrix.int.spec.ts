import { describeCorruptionMatrix, type StoragePlace } from '../../../test/restore/corruption-matrix';
import { copyRoot, hostConfig, removeRoot, storageOf, tempRoot } from '../../../test/restore/fixtures';

/** A storage folder (and the host's data folder) under `root`. */
function folderPlace(root: string): StoragePlace {
  const storage = storageOf(root);
  return {
    storage: { ...storage, backend: storage.backend! },
    hostConfig: (db, env = {}) => hostConfig(db, root, env),
    copy: async () => folderPlace(await copyRoot(root, 'rsmx-case')),
    dispose: () => removeRoot(root),
  };
}

// The cases and expectations are shared with S3 (corruption-matrix-s3.int.spec.ts).
describeCorruptionMatrix('corruption matrix: every damaged backup is refused, the database stays empty, admins are told', async () =>
  folderPlace(await tempRoot('rsmx')),
);
