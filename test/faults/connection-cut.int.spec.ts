import { describe, expect, it } from 'vitest';
import { connectionCutScenarios } from './restart-scenarios';

// The client side of a PostgreSQL restart, without restarting it: only the scenario's own
// sessions are terminated (pg_terminate_backend on its own database), so it is safe on a shared server.
describe('a backup whose database sessions are cut', () => {
  for (const s of connectionCutScenarios.filter((x) => !x.knownIssue)) {
    it(s.id, async () => {
      const c = await s.run();
      expect(c.failures).toEqual([]);
    }, 120_000);
  }
});
