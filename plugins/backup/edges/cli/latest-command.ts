import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { CliError } from '../../../../src/cli/errors';
import { exitCodeOf } from '../../core/errors';
import { writeJson } from './services-from-runtime';

/** `cotton-backup latest [--json]`: reads storage only, never the database. */
export function registerLatestCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('latest')
    .description("the latest backup as Cotton sees it: the pointer in storage and its manifest")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { readLatestBackup } = await import('../../repository/latest-backup');
      const latest = await readLatestBackup(await runtime.storage(), await runtime.masterEncryptionKey());
      if (!latest) throw new CliError('no backup yet: there is no latest-backup pointer under this master key', exitCodeOf('NO_BACKUP_YET'));
      if (opts.json) return writeJson(runtime, latest);
      for (const [k, v] of Object.entries(latest)) runtime.stdout.write(`${k.padEnd(20)} ${v}\n`);
    });
}
