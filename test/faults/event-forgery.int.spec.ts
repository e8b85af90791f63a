import { describeScenarios } from './spec-scenarios';
import { eventForgeryScenarios } from './event-forgery-scenarios';

describeScenarios('a checkpoint grant forges nothing; an invalid stored event breaks no reader', eventForgeryScenarios, { timeoutMs: 240_000 });
