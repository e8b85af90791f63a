import { token } from '../../../src/contract/tokens';
import type { Journal } from '../projections/journal';
import type { BackupContext } from '../take-backup/run-backup';
import type { BackupCoordinator } from '../requests/backup-coordinator';

export const BackupTokens = {
  Journal: token<Journal>('backup.Journal'),
  Context: token<BackupContext>('backup.Context'),
  Coordinator: token<BackupCoordinator>('backup.Coordinator'),
} as const;
