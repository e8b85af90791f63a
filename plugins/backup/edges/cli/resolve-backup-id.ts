import { CliError } from '../../../../src/cli/errors';
import { AmbiguousBackupIdError, UnknownBackupError } from '../../core/errors';

/** Shorter prefixes would match most ids of a long history: restic's short ids are 8, we ask for 4. */
export const MIN_BACKUP_ID_PREFIX = 4;

/** The help text of every `--backup <id>` (and `forget <id>`). */
export const BACKUP_ID_HELP = `backup id (32 hex characters), or a unique prefix of at least ${MIN_BACKUP_ID_PREFIX} of them`;

const ID_OR_PREFIX = new RegExp(`^[0-9a-f]{${MIN_BACKUP_ID_PREFIX},32}$`);

/** Commander's parser of a backup id option or argument `name`: its form only (which backups exist is asked later). */
export function backupIdArgument(name = '--backup') {
  return (value: string): string => {
    const id = value.toLowerCase();
    if (!ID_OR_PREFIX.test(id)) {
      throw new CliError(`${name} must be a backup id (32 hex characters) or a prefix of at least ${MIN_BACKUP_ID_PREFIX} of them, got "${value}"`);
    }
    return id;
  };
}

/**
 * The one backup `given` names among `known`: itself, or the only id it is a prefix of. None is
 * UNKNOWN_BACKUP (exit 4, in every command), `unknown` saying where the command looked; more than
 * one is refused naming them, since guessing could restore or forget the wrong backup.
 */
export function resolveBackupId(given: string, known: readonly string[], command: string, unknown: (id: string) => string): string {
  if (known.includes(given)) return given;
  const matches = [...new Set(known.filter((id) => id.startsWith(given)))];
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new UnknownBackupError(`${command} refused: ${unknown(given)}; nothing was created or changed. \`cotton-backup list\` shows the backups`);
  const shown = matches.slice(0, 10).join(', ');
  throw new AmbiguousBackupIdError(
    `${command} refused: the prefix ${given} is the start of ${matches.length} backup ids (${shown}${matches.length > 10 ? ', …' : ''}); ` +
      'nothing was created or changed. Give more characters of the one you mean',
  );
}
