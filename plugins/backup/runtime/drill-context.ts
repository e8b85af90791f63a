import type { BackupServices } from './services';
import type { DrillContext } from '../drills/run-drill';

/** A drill runs beside the backup it checks: the same pool, journal, storage and restore wiring. */
export function drillContext(services: BackupServices): DrillContext {
  const { pool, journal, storage, masterEncryptionKey, target, clock, logger, secrets } = services.backup;
  return { pool, journal, storage, masterEncryptionKey, target, clock, logger, secrets, restoreContext: services.restoreContext };
}
