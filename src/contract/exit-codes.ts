/**
 * The CLI's exit codes, one table for every command: the backup plugin's error family
 * (plugins/backup/core/errors.ts) maps each of its codes to one of these, `--help` prints them
 * (src/cli/program.ts) and the README's CLI section lists them (a spec checks it matches).
 */
export const EXIT_CODES = {
  OK: { exitCode: 0, meaning: 'success' },
  FAILED: { exitCode: 1, meaning: 'failure: bad arguments or configuration, a refused restore, a storage or database fault' },
  NOT_EMPTY_OR_TIMED_OUT: { exitCode: 2, meaning: 'the restore target database is not empty; a checkpoint not served within --timeout' },
  BUSY: { exitCode: 3, meaning: 'busy: a backup, restore, drill or copy to that target is already running' },
  NOT_FOUND: { exitCode: 4, meaning: 'not found: no backup yet, or no backup with the id given (--backup)' },
  VERIFICATION_FAILED: { exitCode: 5, meaning: 'verification found problems (each is listed)' },
  DRILL_FAILED: { exitCode: 6, meaning: 'the restore drill found a difference' },
  CHECK_WARNED: { exitCode: 10, meaning: '`check`: a warning at worst (each line says the fix)' },
  CHECK_FAILED: { exitCode: 11, meaning: '`check`: a part of the setup fails (each line says the fix)' },
} as const;

export type ExitCodeName = keyof typeof EXIT_CODES;

/** The table as `--help` prints it: one line per code. */
export function exitCodeTable(): string {
  return Object.values(EXIT_CODES)
    .map((c) => `  ${c.exitCode}  ${c.meaning}`)
    .join('\n');
}
