import { describe, expect, it } from 'vitest';
import { eventTamperScenarios } from './event-tamper-scenarios';

// The fast subset for `npm test`: a deleted tail, an edit with its SQL hash recomputed, a log cut
// back past the newest backup, and the restore that must stay clean. The others run in `npm run faults`.
const FAST = [
  "events: a stream's last event deleted",
  'events: an event edited and its SQL hash recomputed',
  'events: log cut back past the newest backup',
  'events: a restore is no tampering',
];

describe('events verify finds tampering by the table owner', () => {
  for (const s of eventTamperScenarios.filter((x) => FAST.includes(x.id))) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 240_000);
  }
  it('the fast subset names existing scenarios', () => {
    expect(eventTamperScenarios.filter((x) => FAST.includes(x.id))).toHaveLength(FAST.length);
  });
});
