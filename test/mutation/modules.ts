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
  {
    name: 'events: append, chain verification, seals',
    mutate: [
      'plugins/backup/events/append-to-stream.ts',
      'plugins/backup/events/verify-chain.ts',
      'plugins/backup/events/verify-seals.ts',
      'plugins/backup/events/seal-mac.ts',
      'plugins/backup/events/seal-events.ts',
    ],
    specs: [
      'plugins/backup/events/event-store.int.spec.ts',
      'plugins/backup/events/verify-chain.int.spec.ts',
      'plugins/backup/events/verify-seals.int.spec.ts',
      'plugins/backup/events/stored-event-rejected.int.spec.ts',
    ],
  },
  {
    name: 'retention pins and release',
    mutate: [
      'plugins/backup/retention/protect-kept-backups.ts',
      'plugins/backup/cotton-tables/pin-objects.ts',
      'plugins/backup/cotton-tables/release-objects.ts',
      'plugins/backup/cotton-tables/never-touched.ts',
      'plugins/backup/file-chunks/pin-file-chunks.ts',
      'plugins/backup/file-chunks/release-file-chunks.ts',
      'plugins/backup/retention/reading-lease.ts',
    ],
    specs: [
      'plugins/backup/retention/apply-retention.int.spec.ts',
      'test/retention/file-chunks-of-kept-backups.int.spec.ts',
      'test/retention/thirty-days-with-cotton-gc.int.spec.ts',
      'test/retention/cotton-gc-model.int.spec.ts',
    ],
  },
  {
    name: 'NOTIFY listener and request coordinator',
    mutate: [
      'plugins/backup/requests/backup-coordinator.ts',
      'plugins/backup/edges/notify/notify-listener.ts',
      'plugins/backup/edges/notify/notify-sender.ts',
      'src/notify/subscriber.ts',
    ],
    specs: [
      'plugins/backup/requests/backup-coordinator.int.spec.ts',
      'plugins/backup/edges/notify/notify-listener.int.spec.ts',
      'plugins/backup/edges/notify/sql-request.int.spec.ts',
      'plugins/backup/requests/checkpoint-definer.int.spec.ts',
      'src/notify/subscriber.int.spec.ts',
    ],
  },
  {
    name: 'copies: target identity, restore from copies, re-seed',
    mutate: [
      'plugins/backup/copies/validate-targets.ts',
      'plugins/backup/copies/prove-target-identity.ts',
      'plugins/backup/copies/rank-sources.ts',
      'plugins/backup/copies/reseed-primary.ts',
      'plugins/backup/copies/target-behind-record.ts',
      'plugins/backup/copies/recorded-copy-in-target.ts',
      'plugins/backup/copies/keys-cotton-knows.ts',
    ],
    specs: [
      'plugins/backup/copies/target-identity.int.spec.ts',
      'plugins/backup/copies/prune-target.int.spec.ts',
      'plugins/backup/copies/open-target.int.spec.ts',
      'plugins/backup/restore/startup-restore-from-copies.int.spec.ts',
    ],
  },
];

/** The rest of issue 24's list, each to become a MutationModule with its specs. */
export const NOT_YET_MUTATED: string[] = [
];

/** The goal per module: killed (and timed out) of the mutants that ran. */
export const MUTATION_GOAL = 0.85;
