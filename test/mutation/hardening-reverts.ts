/**
 * Issue 24 point 3: every fix of issue 27 (the copies/audit hardening) reverted by the smallest
 * textual change that brings the old behaviour back, and the specs that must fail when it is.
 * `npm run mutate:reverts` applies each in place, runs its specs (test/mutation/vitest.mutation.config.ts)
 * and restores the file. `find` must occur exactly once in `file`. A spec that kills an entry says
 * so in a comment at its test: "Kills the revert of issue 27 point N (test/mutation/hardening-reverts.ts)".
 */
export interface HardeningRevert {
  /** '27.<point>', with a letter when one point has two separate fixes. */
  point: string;
  fix: string;
  file: string;
  find: string;
  replace: string;
  specs: string[];
  /** The fix lives in SQL with no TypeScript side to revert: `specs` still name what covers it. */
  sqlOnly?: true;
  note?: string;
}

export const HARDENING_REVERTS: HardeningRevert[] = [
  {
    point: '27.0',
    fix: "The key is proven against the storage's identity record before anything is written: a record made under another key refuses COTTON_MASTER_KEY.",
    file: 'src/storage/identity/prove-key.ts',
    find: 'if (identity && !madeUnderKey(identity, masterEncryptionKey)) {',
    replace: 'if (false) {',
    specs: ['plugins/backup/storage-identity/storage-identity.int.spec.ts'],
  },
  {
    point: '27.0r',
    fix: 'A chunk object already in the storage counts as reused only when proven readable under this key; one sealed under another key is rewritten.',
    file: 'plugins/backup/take-backup/store-chunks.ts',
    find: 'if (!written && options.reusable && !(await options.reusable(key)))',
    replace: 'if (false)',
    specs: ['plugins/backup/storage-identity/storage-identity.int.spec.ts'],
  },
  {
    point: '27.0b',
    fix: "A storage carries an identity the database records; a storage that is not the recorded one (a mistyped, empty or missing path) is refused naming both.",
    file: 'plugins/backup/storage-identity/bind-storage.ts',
    find: 'options: BindOptions): Promise<StorageIdentity | undefined> {\n',
    replace: 'options: BindOptions): Promise<StorageIdentity | undefined> {\n  return undefined;\n',
    note: 'The whole binding goes, as before identity records: the database records no storage and compares none (the key proof at backup goes with it; 27.0 reverts that alone).',
    specs: ['plugins/backup/storage-identity/storage-identity.int.spec.ts'],
  },
  {
    point: '27.0c',
    fix: "Kept backups pin the file chunks their databases referenced, so Cotton's GC does not collect the bytes an older backup's files need.",
    file: 'plugins/backup/retention/protect-kept-backups.ts',
    find: 'report.pinnedFileChunks = await pinFileChunks(db, keptIds, inputs.now);',
    replace: 'report.pinnedFileChunks = 0;',
    specs: ['test/retention/file-chunks-of-kept-backups.int.spec.ts'],
  },
  {
    point: '27.1a',
    fix: 'A folder copy target is compared with the primary by real path and by device and inode, not only by path.resolve.',
    file: 'plugins/backup/copies/validate-targets.ts',
    find: '  const realRoot = realPathOf(root);\n',
    replace: '  return undefined;\n  const realRoot = realPathOf(root);\n',
    specs: ['plugins/backup/copies/target-identity.int.spec.ts'],
  },
  {
    point: '27.1b',
    fix: "Prune never deletes a key that has a row in Cotton's chunks table.",
    file: 'plugins/backup/copies/prune-target.ts',
    find: 'const cottons = await keysCottonKnows(ctx.pool, plan.deletable);',
    replace: 'const cottons = new Set<string>();',
    specs: ['plugins/backup/copies/target-identity.int.spec.ts'],
  },
  {
    point: '27.1c',
    fix: "A target holding the primary's role marker (an rsync of the primary, an alias) is refused.",
    file: 'plugins/backup/copies/prove-target-identity.ts',
    find: "if (marker?.role === 'primary') {",
    replace: 'if (false) {',
    specs: ['plugins/backup/copies/target-identity.int.spec.ts'],
  },
  {
    point: '27.2',
    fix: "A restore from a copy re-seeds the primary only when it went into Cotton's own database: a test restore leaves the primary's pointer alone.",
    file: 'plugins/backup/copies/reseed-primary.ts',
    find: 'if (!restored.intoCottonsDatabase) return skipped(',
    replace: 'if (false) return skipped(',
    specs: ['test/faults/copy-trust.int.spec.ts'],
  },
  {
    point: '27.3',
    fix: 'An unreadable index is rebuilt from the manifests present, never replaced by one holding only the new backup.',
    file: 'plugins/backup/repository/backup-index.ts',
    find: 'existing = await previousChain(storage, entry.manifestKey);',
    replace: 'existing = [];',
    specs: ['plugins/backup/repository/pointer-and-index.int.spec.ts'],
  },
  {
    point: '27.4',
    fix: "The database's record of what was copied is the reference: a target behind it is reported, verify fails, restore --from and prune refuse.",
    file: 'plugins/backup/copies/target-behind-record.ts',
    find: '  const last = (await pool.query',
    replace: '  return undefined;\n  const last = (await pool.query',
    specs: ['test/faults/copy-trust.int.spec.ts'],
  },
  {
    point: '27.5a',
    fix: 'The newest backup is copied first, then the older ones the target lacks.',
    file: 'plugins/backup/copies/copy-to-targets.ts',
    find: '=== rows.length - 1).reverse();',
    replace: '=== rows.length - 1);',
    specs: ['plugins/backup/copies/copy-to-targets.int.spec.ts'],
  },
  {
    point: '27.5b',
    fix: 'A backup that cannot be copied is recorded and skipped; the catch-up goes on with the others.',
    file: 'plugins/backup/copies/copy-to-targets.ts',
    find: '      if (failure?.refused) break;',
    replace: '      if (failure) break;',
    specs: ['plugins/backup/copies/copy-to-targets.int.spec.ts'],
  },
  {
    point: '27.6',
    fix: "A bare-machine restore reads every source's pointer and tries the one with the newest backup first, not the primary by default.",
    file: 'plugins/backup/copies/rank-sources.ts',
    find: '.sort((a, b) => at(b.s) - at(a.s) || a.i - b.i)',
    replace: '.sort((a, b) => a.i - b.i)',
    specs: ['plugins/backup/copies/rank-sources.int.spec.ts', 'plugins/backup/restore/startup-restore-from-copies.int.spec.ts'],
  },
  {
    point: '27.7',
    fix: "A folder storage refuses to write or delete through a layout folder that is a symbolic link.",
    file: 'src/storage/filesystem/filesystem-store.ts',
    find: "this.#refuseLinks = options.linkedFolders !== 'follow';",
    replace: 'this.#refuseLinks = false;',
    specs: ['src/storage/filesystem/filesystem-store.int.spec.ts'],
  },
  {
    point: '27.8a',
    fix: '`events verify` checks the global HMAC seal chain, not only the per-stream hash chains the table owner can recompute.',
    file: 'plugins/backup/edges/cli/events-verify.ts',
    find: '...chain.problems.map(toReportBreak), ...sealed.problems]',
    replace: '...chain.problems.map(toReportBreak)]',
    specs: ['test/faults/event-tamper.int.spec.ts'],
  },
  {
    point: '27.8b',
    fix: "Each manifest records the seal chain's head, so a log cut back past the newest backup is found.",
    file: 'plugins/backup/take-backup/run-backup.ts',
    find: '    ...(eventSeal && { eventSeal }),\n',
    replace: '',
    specs: ['test/faults/event-tamper.int.spec.ts'],
  },
  {
    point: '27.9a',
    fix: 'Readers skip a stored event that fails validation and record StoredEventRejected, instead of failing for good.',
    file: 'plugins/backup/events/rows.ts',
    find: '      await recordStoredEventRejected(db, row, error);',
    replace: '      throw error;',
    specs: ['plugins/backup/events/stored-event-rejected.int.spec.ts'],
  },
  {
    point: '27.9b',
    fix: 'request_checkpoint() is SECURITY DEFINER with its search path pinned and EXECUTE only, recording session_user (migration 010).',
    file: 'migrations/backup/010_checkpoint_definer.sql',
    find: '',
    replace: '',
    specs: ['plugins/backup/requests/checkpoint-definer.int.spec.ts'],
    sqlOnly: true,
    note: 'The fix is the migration alone: no TypeScript depends on it, and a migration is applied once to a test database, so reverting its text in place would not reach the specs. checkpoint-definer.int.spec.ts covers it.',
  },
  {
    point: '27.10',
    fix: 'Per-target copy metrics (cotton_backup_copy_*) are registered on /metrics, the series the example alerts use.',
    file: 'plugins/backup/runtime/start-triggers.ts',
    find: '[copyMetrics(settings.copies.targets.map((t) => t.name))]',
    replace: '[]',
    specs: ['plugins/backup/metrics/alert-series.int.spec.ts'],
  },
  {
    point: '27.11',
    fix: "pg_dump and pg_restore get an allow-listed environment, not everything but COTTON_* and PG*.",
    file: 'plugins/backup/dump/child-environment.ts',
    find: '(INHERITED.has(name) || INHERITED_PREFIXES.some((p) => name.startsWith(p)))',
    replace: "(!name.startsWith('COTTON_') && !name.startsWith('PG'))",
    specs: ['plugins/backup/dump/child-environment.int.spec.ts'],
  },
  {
    point: '27.12',
    fix: 'serve sweeps stale drill scratch databases at start, not only at the next drill.',
    file: 'plugins/backup/runtime/hooks.ts',
    find: '    await sweepScratchDatabasesAtStart(drillContext(s));\n',
    replace: '',
    specs: ['plugins/backup/drills/sweep-at-start.int.spec.ts'],
  },
  {
    point: '27.13',
    fix: "The chunks a backup reuses are held off Cotton's GC, then re-checked, before the pointer names them.",
    file: 'plugins/backup/take-backup/run-backup.ts',
    find: '    await pinReusedChunks(ctx, stored.reusedKeys);\n',
    replace: '',
    specs: ['test/retention/reused-chunks-race.int.spec.ts'],
  },
  {
    point: '27.14a',
    fix: 'serve refuses at start, naming both identities, when the storage is not the recorded one (instead of every run logging an unreadable manifest).',
    file: 'plugins/backup/runtime/hooks.ts',
    find: '    await bindStorage(s.backup.pool, s.backup.storage, { create: true, now: s.backup.clock.now() });\n',
    replace: '',
    specs: ['plugins/backup/storage-identity/serve-start.int.spec.ts'],
  },
  {
    point: '27.14b',
    fix: 'Every HTTP answer, errors included, carries X-Content-Type-Options: nosniff.',
    file: 'src/http/server.ts',
    find: "    this.app.server.prependListener('request', (_request, response) => response.setHeader('x-content-type-options', 'nosniff'));\n",
    replace: '',
    specs: ['src/http/nosniff.unit.spec.ts'],
  },
];
