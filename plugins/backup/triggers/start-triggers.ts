import type { DependencyContainer } from 'tsyringe';
import type { BackupServices } from '../services';

export interface Triggers {
  stop(): Promise<void>;
}

/** Starts every way a backup can be asked for; stop() ends them in reverse. */
export async function startTriggers(_container: DependencyContainer, services: BackupServices): Promise<Triggers> {
  services.coordinator.start();
  return {
    async stop() {
      await services.coordinator.stop();
    },
  };
}
