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
  {
    name: 'NOTIFY / SQL request payload',
    mutate: ['plugins/backup/requests/request-payload.ts', 'plugins/backup/requests/request-rate-limit.ts'],
    specs: ['plugins/backup/requests/request-payload.unit.spec.ts', 'plugins/backup/requests/request-rate-limit.unit.spec.ts'],
  },
  {
    name: 'copy target validation',
    mutate: ['plugins/backup/settings/copies.ts'],
    specs: ['plugins/backup/settings/copies.unit.spec.ts'],
  },
  {
    name: 'manifest',
    mutate: ['plugins/backup/repository/manifest.ts'],
    specs: ['plugins/backup/repository/manifest.unit.spec.ts', 'plugins/backup/restore/rebuild-verified-dump.unit.spec.ts'],
  },
];

/** The rest of issue 24's list, each to become a MutationModule with its specs. */
export const NOT_YET_MUTATED: string[] = [
  'restore (emptiness, marker, verification before pg_restore, candidate choice)',
  'copies (target validation, index, restore-from-copies, re-seed)',
  'retention pins and release',
  'events (append, chain verification, seals)',
  'pointer',
  'NOTIFY listener and request coordinator',
  "drills' scratch naming",
];

/** The goal per module: killed (and timed out) of the mutants that ran. */
export const MUTATION_GOAL = 0.85;
