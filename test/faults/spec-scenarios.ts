import { describe, expect, it } from 'vitest';
import type { Scenario } from './scenario';

interface ScenarioSpecOptions {
  timeoutMs?: number;
  /** The fast subset `npm test` runs, by id (the rest run in `npm run faults`); a name that matches no scenario fails. */
  only?: readonly string[];
  /** Why every scenario is skipped here (said out loud, never passing unnoticed). */
  skip?: string;
}

/** Fault scenarios as specs: each must pass its checks. Without `only`, every scenario but the known issues. */
export function describeScenarios(title: string, scenarios: readonly Scenario[], options: ScenarioSpecOptions = {}): void {
  const { only, skip, timeoutMs = 120_000 } = options;
  const chosen = only ? scenarios.filter((s) => only.includes(s.id)) : scenarios.filter((s) => !s.knownIssue);
  describe(title, () => {
    for (const s of chosen) {
      it(s.id, async (context) => {
        if (skip) context.skip(skip);
        expect((await s.run()).failures).toEqual([]);
      }, timeoutMs);
    }
    if (only) it('the fast subset names existing scenarios', () => expect(chosen.map((s) => s.id).sort()).toEqual([...only].sort()));
  });
}
