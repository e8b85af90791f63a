import { describeScenarios } from './spec-scenarios';
import { eventTamperScenarios } from './event-tamper-scenarios';

// The fast subset for `npm test`: a deleted tail, an edit with its SQL hash recomputed, a log cut
// back past the newest backup, and the restore that must stay clean. The others run in `npm run faults`.
// Kills the revert of issue 27 point 8a, and of point 8b (test/mutation/hardening-reverts.ts).
const FAST = [
  "events: a stream's last event deleted",
  'events: an event edited and its SQL hash recomputed',
  'events: log cut back past the newest backup',
  'events: a restore is no tampering',
];

describeScenarios('events verify finds tampering by the table owner', eventTamperScenarios, { timeoutMs: 240_000, only: FAST });
