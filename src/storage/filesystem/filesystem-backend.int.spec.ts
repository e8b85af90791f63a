import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendContract } from '../../../test/support/storage-contract';
import { FilesystemStore } from './filesystem-store';

describeBackendContract('filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cotton-fs-contract-'));
  return { backend: new FilesystemStore(root), dispose: () => rm(root, { recursive: true, force: true }) };
}, { readInto: true });
