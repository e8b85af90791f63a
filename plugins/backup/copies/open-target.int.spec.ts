import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendContract } from '../../../test/support/storage-contract';
import type { CopySettings } from '../settings/copies';
import { openTarget } from './open-target';

const settings: CopySettings = { targets: [], aws: {}, concurrency: 1, attempts: 1, alertAfterMs: 3_600_000, pruneGraceMs: 0 };

// A copy target is a storage like the primary: the backend copies open must keep every promise.
describeBackendContract('a folder copy target, opened as copies open it', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cotton-target-contract-'));
  const opened = await openTarget({ name: 'offsite', kind: 'folder', url: root, path: root }, settings, Buffer.alloc(32, 7));
  return { backend: opened.backend, dispose: () => rm(root, { recursive: true, force: true }) };
}, { readInto: true });
