import { describeScenarios } from './spec-scenarios';
import { copyTrustScenarios } from './copy-trust-scenarios';

// The fast subset for `npm test`: the two that handed back older data without a word. The rest
// (unreadable index, one bad old backup, an older primary snapshot) run in `npm run faults`.
// Kills the revert of issue 27 point 2, and of point 4 (test/mutation/hardening-reverts.ts).
const FAST = ['copies: test restore from a lagging target', 'copies: target rolled back by whoever can write it'];

describeScenarios('copies are trusted only as far as the record allows', copyTrustScenarios, { timeoutMs: 240_000, only: FAST });
