import { describeScenarios } from './spec-scenarios';
import { storageIdentityScenarios } from './storage-identity-scenarios';

// The fast subset for `npm test`: the folder cases (the S3 one runs in `npm run faults`).
const FAST = ['storage: another master key against a storage with backups', 'storage: a mistyped, missing or non-folder storage path'];

describeScenarios('a wrong key or a wrong storage is refused before anything is written', storageIdentityScenarios, { timeoutMs: 240_000, only: FAST });
