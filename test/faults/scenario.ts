import type { Checks } from './checks';

export type ScenarioGroup = 'crash' | 'restore crash' | 'corruption' | 'storage' | 'PostgreSQL restart' | 'hostile input' | 'security' | 'copies' | 'event log';

/** One fault: how it is produced, and the checks of what must hold after it. */
export interface Scenario {
  id: string;
  group: ScenarioGroup;
  /** How the fault is produced, for RELIABILITY.md. */
  how: string;
  /** What must hold afterwards, for RELIABILITY.md. */
  expect: string;
  /** Restarts PostgreSQL: breaks every other client, so only `npm run faults` runs it. */
  restartsPostgres?: boolean;
  /** A defect found by this scenario and not fixed yet: `npm run faults` runs and reports it, `npm test` skips it. */
  knownIssue?: string;
  /** Resolves with the checks (failed ones listed); rejects only when the scenario itself broke. */
  run(): Promise<Checks>;
}
