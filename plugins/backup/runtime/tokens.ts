import { token } from '../../../src/contract/tokens';
import type { BackupContext } from '../take-backup/run-backup';

/** What the plugin's container offers beyond its hooks' own state: scripts and specs run a backup through it. */
export const BackupTokens = {
  Context: token<BackupContext>('backup.Context'),
} as const;
