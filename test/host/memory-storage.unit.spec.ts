import { describeBackendContract } from '../support/storage-contract';
import { MemoryBackend } from './memory-storage';

describeBackendContract('memory (test double)', async () => ({ backend: new MemoryBackend(), dispose: async () => undefined }));
