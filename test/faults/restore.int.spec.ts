import { describeScenarios } from './spec-scenarios';
import { restoreScenarios } from './restore-scenarios';

describeScenarios('a startup restore killed at any step is redone cleanly at the next start; a forged marker never wipes data', restoreScenarios);
