import { describeScenarios } from './spec-scenarios';
import { hostileScenarios } from './hostile-scenarios';

describeScenarios('floods of hostile input against a running host', hostileScenarios, { timeoutMs: 240_000 });
