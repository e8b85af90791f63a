import { CliError } from '../../../../src/cli/errors';
import type { CliRuntime } from '../../../../src/cli/runtime';
import { findTarget, openTarget, type OpenedTarget } from '../../copies/open-target';
import type { CopySettings } from '../../settings/copies';

/** Opens the target of that name (or URL) for a command, closed with the command; a CliError names the configured ones. */
export async function openNamedTarget(runtime: CliRuntime, settings: CopySettings, name: string): Promise<OpenedTarget> {
  const target = findTarget(settings, name);
  if (!target) throw new CliError(`no copy target "${name}": COTTON_BACKUP_COPIES names ${settings.targets.map((t) => t.name).join(', ') || 'none'}`);
  const opened = await openTarget(target, settings, await runtime.masterEncryptionKey(), runtime.config().storage.zstdLevel);
  runtime.onClose(() => opened.close());
  return opened;
}
