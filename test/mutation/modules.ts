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
  {
    name: "drills' scratch naming",
    mutate: ['plugins/backup/drills/scratch-database.ts'],
    specs: ['plugins/backup/drills/scratch-database.int.spec.ts'],
  },
  {
    name: 'pointer and backup index',
    mutate: ['plugins/backup/repository/pointer.ts', 'plugins/backup/repository/pointer-rollback.ts', 'plugins/backup/repository/manifest-store.ts', 'plugins/backup/repository/backup-index.ts'],
    specs: ['plugins/backup/repository/pointer-and-index.int.spec.ts'],
  },
  {
    name: 'restore: emptiness, marker, verification, candidates',
    mutate: [
      'plugins/backup/restore/find-candidates.ts',
      'plugins/backup/restore/database-state.ts',
      'plugins/backup/restore/restore-marker.ts',
      'plugins/backup/restore/rebuild-verified-dump.ts',
      'plugins/backup/repository/discover-latest-backup.ts',
      'plugins/backup/cotton-tables/cotton-empty.ts',
    ],
    specs: [
      'plugins/backup/restore/find-candidates.int.spec.ts',
      'plugins/backup/restore/database-state.int.spec.ts',
      'plugins/backup/restore/restore-marker.int.spec.ts',
      'plugins/backup/restore/forged-marker.int.spec.ts',
      'plugins/backup/restore/rebuild-verified-dump.unit.spec.ts',
      'plugins/backup/restore/startup-restore.int.spec.ts',
    ],
  },
];

/** The rest of issue 24's list, each to become a MutationModule with its specs. */
export const NOT_YET_MUTATED: string[] = [
  'copies (target validation, index, restore-from-copies, re-seed)',
  'retention pins and release',
  'events (append, chain verification, seals)',
  'NOTIFY listener and request coordinator',
];

/** The goal per module: killed (and timed out) of the mutants that ran. */
export const MUTATION_GOAL = 0.85;
