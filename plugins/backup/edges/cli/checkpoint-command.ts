import type { Command } from 'commander';
import { CliError } from '../../../../src/cli/errors';
import { EXIT_CODES } from '../../../../src/contract/exit-codes';
import type { CliRuntime } from '../../../../src/cli/runtime';
import type { RequestState } from '../../requests/backup-coordinator';
import { REQUEST_CHECKPOINT } from '../../requests/sql';
import { servicesFromRuntime, writeJson } from './services-from-runtime';

/** A request nobody serves for this long gets a hint that no host may be running. */
const NO_HOST_HINT_MS = 15_000;

interface CheckpointOptions {
  reason: string;
  wait?: boolean;
  json?: boolean;
  timeout?: number;
}

/**
 * `checkpoint --reason <text> [--wait] [--json]`: asks the running host(s) for a backup through
 * request_checkpoint() (durable: served even if no host runs right now, at the next start).
 * With --wait it follows the request to its backup and fails if that backup failed.
 */
export function registerCheckpointCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('checkpoint')
    .description('ask the running host for a backup (durable request through cotton_backup.request_checkpoint)')
    .requiredOption('--reason <text>', 'why (recorded in BackupRequested, at most 500 characters)')
    .option('--wait', 'follow the request until a backup served it; exit non-zero if it failed')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', seconds)
    .option('--json', 'print the outcome as JSON')
    .action(async (opts: CheckpointOptions) => {
      if (opts.reason.length > 500) throw new CliError(`--reason must be at most 500 characters, got ${opts.reason.length}`);
      const services = await servicesFromRuntime(runtime);
      const { rows } = await services.backup.pool.query<{ request_id: string }>(REQUEST_CHECKPOINT, [opts.reason]);
      const requestId = rows[0]!.request_id;
      if (!opts.wait) {
        if (opts.json) writeJson(runtime, { requestId, status: 'pending' });
        else runtime.stdout.write(`checkpoint requested: ${requestId}\n`);
        return;
      }
      const state = await follow(runtime, services.coordinator.waitFor.bind(services.coordinator), requestId, opts);
      if (opts.json) writeJson(runtime, state);
      else runtime.stdout.write(`checkpoint ${requestId}: ${state.status}${state.backupId ? ` by backup ${state.backupId}` : ''}\n`);
      if (state.status !== 'served') {
        throw new CliError(`checkpoint ${requestId} ${state.status} (backup ${state.backupId ?? 'none'}); see \`cotton-backup list\` for the failure`, 1);
      }
    });
}

async function follow(
  runtime: CliRuntime,
  waitFor: (id: string, o: { signal?: AbortSignal; onState?: (s: RequestState) => void }) => Promise<RequestState>,
  requestId: string,
  opts: CheckpointOptions,
): Promise<RequestState> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: 'checkpoint {id} | {status} {detail}', stream: runtime.stderr as NodeJS.WriteStream, noTTYOutput: true, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(1, 0, { id: requestId.slice(0, 8), status: 'pending', detail: '' });
  const signal = opts.timeout === undefined ? undefined : AbortSignal.timeout(opts.timeout * 1000);
  try {
    return await waitFor(requestId, {
      signal,
      onState: (s) => {
        const idle = s.status === 'pending' && Date.now() - started > NO_HOST_HINT_MS;
        const detail = s.backupId ? `backup ${s.backupId}` : idle ? '(no host has picked it up yet: is `cotton-backup serve` running?)' : '';
        bar.update(s.status === 'served' ? 1 : 0, { status: s.status, detail });
      },
    });
  } catch (error) {
    if (signal?.aborted) {
      throw new CliError(`checkpoint ${requestId} not served within ${opts.timeout} s; it stays recorded and a host serves it when it runs`, EXIT_CODES.NOT_EMPTY_OR_TIMED_OUT.exitCode);
    }
    throw error;
  } finally {
    bar.stop();
  }
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) throw new CliError(`--timeout must be a number of seconds from 1 to 86400, got "${value}"`);
  return n;
}
