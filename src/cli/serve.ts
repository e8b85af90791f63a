import type { Command } from 'commander';
import { isCodedFailure } from '../contract/coded-failure';
import { CliError, formatCliError } from './errors';
import { missingNodeFlags } from './node-flags';
import type { CliRuntime } from './runtime';

/** `cotton-backup serve`: runs the host until SIGINT/SIGTERM, then stops it gracefully (exit 0). */
export function registerServeCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('serve')
    .description('run the plugin host: migrations, plugins, jobs, admin HTTP API (what `npm start` runs)')
    .action(async () => {
      await serve(runtime);
    });
}

export async function serve(runtime: CliRuntime, signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<void> {
  const logger = runtime.logger();
  const missing = missingNodeFlags();
  if (missing.length > 0) {
    // `node bin/cotton-backup.js serve` skips the shebang's options (and NODE_OPTIONS cannot carry them all).
    logger.warn(
      { missing },
      'Node was started without the options of `npm start` (run it as `npm start` or `npx cotton-backup serve`, or give node the missing ones): a backup or restore may pass 200 MB of memory',
    );
  }
  let received: NodeJS.Signals | undefined;
  let wake: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received) {
      logger.warn({ signal }, 'second signal: exiting without waiting for a graceful stop');
      process.exit(1);
    }
    received = signal;
    logger.info({ signal }, 'stop requested');
    wake();
  };
  for (const s of signals) process.on(s, onSignal);
  try {
    const starting = runtime.startHost();
    // A signal during start aborts it: close() (via the runtime) stops whatever had started.
    const outcome = await Promise.race([starting.then(() => 'started' as const), stopRequested.then(() => 'signal' as const)]);
    if (outcome === 'signal') {
      await runtime.close();
      await starting.catch(() => undefined);
      return;
    }
    if (!runtime.config().http.adminToken) {
      // An operator who forgot the token sees a page and an API that answer 401, and no reason why.
      logger.warn('COTTON_ADMIN_TOKEN is not set: the admin routes and the admin page are closed (every request answers 401)');
    }
    await stopRequested;
    await runtime.close();
  } catch (error) {
    // A host that cannot start exits 1 whatever stopped it; a plugin's exit codes are its commands'.
    if (isCodedFailure(error)) throw new CliError(formatCliError(error), 1);
    throw error;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
