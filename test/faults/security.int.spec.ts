import { describeScenarios } from './spec-scenarios';
import { securityScenarios } from './security-scenarios';

describeScenarios('secrets and plaintext never leak; the event log stays immutable', securityScenarios);
