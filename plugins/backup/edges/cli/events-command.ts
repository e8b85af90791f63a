import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { CliError } from '../../../../src/cli/errors';

/** `cotton-backup events verify [--json]`; the check itself is events-verify.ts. */
export function registerEventsCommand(program: Command, runtime: CliRuntime): void {
  const events = program.command('events').description('the event log itself');
  events
    .command('verify')
    .description("check every stream's hash chain and the log's seal chain (needs the master key) against the newest backup")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const [{ verifyEventsCommand }, { newestSealAnchor }, { deriveEventSealKey }] = await Promise.all([
        import('./events-verify'),
        import('../../repository/newest-seal-anchor'),
        import('../../../../src/keys/keys'),
      ]);
      const masterEncryptionKey = await runtime.masterEncryptionKey();
      const storage = await runtime.storage();
      const seals = { sealKey: deriveEventSealKey(masterEncryptionKey), anchor: () => newestSealAnchor(storage, masterEncryptionKey) };
      const { output, exitCode } = await verifyEventsCommand(runtime.pool(), seals, { json: opts.json });
      runtime.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
      if (exitCode !== 0) throw new CliError('the event log failed verification', exitCode);
    });
}
