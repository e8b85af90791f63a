import type { Command } from 'commander';
import type { CliRuntime } from '../../../../src/cli/runtime';
import type { TargetState } from '../../copies/target-states';
import { CliError } from '../../../../src/cli/errors';
import { startProgress, type Progress } from '../../../../src/cli/progress';
import type { CopyProgress } from '../../copies/copy-backup';
import { servicesFromRuntime, writeJson } from './services-from-runtime';

/** `cotton-backup copies [--sync [--target <name>]] [--json] | --adopt <name>`: each copy target's state; --sync copies what they lack now; --adopt marks a target holding older copies. */
export function registerCopiesCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('copies')
    .description('show each copy target (COTTON_BACKUP_COPIES): last successful copy, backups held, last error; --sync copies what they lack now')
    .option('--sync', 'copy to every target (or --target) the backups it lacks, now')
    .option('--target <name>', 'with --sync: only this target (its name or URL)')
    .option('--json', 'print the state as JSON')
    .option('--adopt <name>', 'mark this target, which holds objects but no identity marker, as a copy of this deployment (after checking it is not the primary)')
    .action(async (opts: { sync?: boolean; target?: string; json?: boolean; adopt?: string }) => {
      if (opts.adopt !== undefined) return adopt(runtime, opts.adopt);
      const [services, { copyToTargets }, { findTarget }, { readTargetStates }] = await Promise.all([
        servicesFromRuntime(runtime),
        import('../../copies/copy-to-targets'),
        import('../../copies/open-target'),
        import('../../copies/target-states'),
      ]);
      const settings = services.copies.settings;
      if (settings.targets.length === 0 && opts.sync) throw new CliError('no copy targets: set COTTON_BACKUP_COPIES');
      let synced;
      if (opts.sync) {
        const only = opts.target === undefined ? undefined : [findTarget(settings, opts.target) ?? unknownTarget(opts.target, settings.targets.map((t) => t.name))];
        // One bar per backup copied to a target: objects sent or skipped of the backup's count.
        let bar: Progress | undefined;
        let current = '';
        const onCopyProgress = (target: string, backupId: string, p: CopyProgress) => {
          if (current !== `${target} ${backupId}`) {
            bar?.stop();
            current = `${target} ${backupId}`;
            bar = startProgress(runtime.stderr, { label: `copy ${backupId.slice(0, 8)} to ${target}: objects`, json: opts.json, unit: 'objects' });
          }
          bar!.update(p.objectsDone, p.objectCount, `${(p.bytesSent / 1048576).toFixed(1)} MiB sent`);
        };
        synced = await copyToTargets({ ...services.copies, onCopyProgress }, only).finally(() => bar?.stop());
      }
      const states = await readTargetStates(services.backup.pool, settings, services.backup.clock.now());
      if (opts.json) return writeJson(runtime, { targets: states, synced });
      for (const s of synced ?? []) {
        runtime.stdout.write(`sync ${s.target}: ${s.status}${s.copied.length ? `, copied ${s.copied.join(', ')}` : ''}${s.failed.map((f) => `; failed on ${f.backupId}: ${f.message}`).join('')}\n`);
      }
      runtime.stdout.write(formatStates(states));
      // A backup skipped because it could not be copied fails the run too, though newer ones went out.
      if (synced?.some((s) => s.status === 'failed' || s.failed.length > 0)) throw new CliError('a copy failed (see above); the next run catches up');
    });
}

async function adopt(runtime: CliRuntime, name: string): Promise<void> {
  const [services, { findTarget }, { adoptTarget }] = await Promise.all([servicesFromRuntime(runtime), import('../../copies/open-target'), import('../../copies/adopt-target')]);
  const settings = services.copies.settings;
  const target = findTarget(settings, name) ?? unknownTarget(name, settings.targets.map((t) => t.name));
  await adoptTarget(services.copies, target).catch((error: Error) => {
    throw new CliError(error.message);
  });
  runtime.stdout.write(`copy target ${target.name} adopted: it is marked a copy of this deployment; the next copy run (\`cotton-backup copies --sync\`) brings it up to date\n`);
}

function unknownTarget(name: string, known: string[]): never {
  throw new CliError(`no copy target "${name}": COTTON_BACKUP_COPIES names ${known.length ? known.join(', ') : 'none'}`);
}

export function formatStates(states: readonly TargetState[]): string {
  if (states.length === 0) return 'no copy targets (COTTON_BACKUP_COPIES is not set): every backup lives on this box only\n';
  const lines: string[] = [];
  for (const s of states) {
    const name = s.url && s.url !== s.target ? `${s.target} (${s.url})` : s.target;
    lines.push(`${name}${s.configured ? '' : ' [no longer configured]'}${s.overdue ? ' OVERDUE' : ''}`);
    lines.push(`  last success  ${s.lastSuccessAt?.toISOString() ?? 'never'}${s.lastBackupId ? `, newest backup ${s.lastBackupId}` : ''}`);
    lines.push(`  backups held  ${s.backupsHeld}; copies ${s.copiesCompleted} completed, ${s.copiesFailed} failed; ${s.objectsSent} objects (${s.bytesSent} bytes) sent, ${s.objectsSkipped} skipped`);
    if (s.lastFailureAt && (!s.lastSuccessAt || s.lastFailureAt > s.lastSuccessAt)) lines.push(`  last error    ${s.lastFailureAt.toISOString()}: ${s.lastError}`);
  }
  return `${lines.join('\n')}\n`;
}
