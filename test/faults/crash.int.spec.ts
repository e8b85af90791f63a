import { describeScenarios } from './spec-scenarios';
import { crashScenarios } from './crash-scenarios';

// The crash points of a backup, each through the real CLI killed with SIGKILL (fast subset of `npm run faults`).
describeScenarios('a backup killed at any step', crashScenarios);
