import { describeScenarios } from './spec-scenarios';
import { corruptionScenarios } from './corruption-scenarios';

describeScenarios('damaged backups are found by verify, on demand and on schedule', corruptionScenarios);
