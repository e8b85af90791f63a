/**
 * The modules of issue 24 (the code that decides what to trust or delete), each with the files
 * Stryker mutates and the specs that must notice. Added module by module as each reaches its goal.
 */
export interface MutationModule {
  name: string;
  mutate: string[];
  specs: string[];
}

export const MUTATION_MODULES: MutationModule[] = [
  {
    name: 'retention plan',
    mutate: ['plugins/backup/retention/plan-retention.ts'],
    specs: ['plugins/backup/retention/plan-retention.unit.spec.ts'],
  },
  {
    name: 'copies prune plan',
    mutate: ['plugins/backup/copies/plan-prune.ts'],
    specs: ['plugins/backup/copies/plan-prune.unit.spec.ts'],
  },
];

/** The rest of issue 24's list, each to become a MutationModule with its specs. */
export const NOT_YET_MUTATED: string[] = [
  'restore (emptiness, marker, verification before pg_restore, candidate choice)',
  'copies (target validation, index, restore-from-copies, re-seed)',
  'retention pins and release',
  'events (append, chain verification, seals)',
  'manifest / pointer',
  'NOTIFY / SQL request path',
  "drills' scratch naming",
];

/** The goal per module: killed (and timed out) of the mutants that ran. */
export const MUTATION_GOAL = 0.85;
