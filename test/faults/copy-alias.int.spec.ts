import { describeScenarios } from './spec-scenarios';
import { copyAliasScenarios } from './copy-alias-scenarios';

// The fast subset for `npm test`: the alias that deleted user files. The bind mount needs root and runs in `npm run faults`.
const FAST = ['copies: a target that is a symlink of the primary, then pruned'];

describeScenarios('a copy target that is the primary under another name is never pruned', copyAliasScenarios, { timeoutMs: 240_000, only: FAST });
