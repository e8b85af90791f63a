import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { CliError } from '../../../../src/cli/errors';
import { CHECK_EXIT_CODES } from '../../checks/check-line';
import { checkEnvironmentOf } from './check-environment';
import { writeJson } from './services-from-runtime';

/** `cotton-backup check [--json]`: whether the setup is sound, one line per part, exit code by the worst. */
export function registerCheckCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('check')
    .description('whether the setup is sound: configuration, database rights, storage, copy targets, schedules, backup and copy ages, Cotton GC pins')
    .option('--json', 'print the lines as JSON')
    .addHelpText('after', `\nEach line is ok, warn or fail, with the fix when not ok. Exit code: ${CHECK_EXIT_CODES.ok} all ok, ${CHECK_EXIT_CODES.warn} a warning at worst, ${CHECK_EXIT_CODES.fail} a failure (1: the check itself could not run). Reads only: nothing is written but a probe object in the primary storage, removed at once.`)
    .action(async (opts: { json?: boolean }) => {
      const [{ runChecks }, { formatChecks }] = await Promise.all([import('../../checks/run-checks'), import('../../checks/format-checks')]);
      const report = await runChecks(checkEnvironmentOf(runtime));
      if (opts.json) writeJson(runtime, report);
      else runtime.stdout.write(formatChecks(report));
      if (report.status !== 'ok') throw new CliError(`check: ${report.status} (see the lines above)`, CHECK_EXIT_CODES[report.status]);
    });
}
