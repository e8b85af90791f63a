import { describeScenarios } from './spec-scenarios';
import { copiesScenarios } from './copies-scenarios';

// The fast subset for `npm test`: a kill mid-copy, a corrupted copy, and a bare-machine recovery.
// The rest (mid-prune, read-only tmpfs, S3 down) run in `npm run faults`.
const FAST = ['copies: kill -9 mid-copy (index written, pointer not)', 'copies: corrupted object in the target', 'copies: primary lost, only a copy left'];

describeScenarios('copies off the box survive their faults', copiesScenarios, { timeoutMs: 180_000, only: FAST });
