import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../../../src/contract/services';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import type { Journal } from '../projections/journal';
import type { RetentionPolicy } from '../settings/retention';
import type { CopySettings, CopyTarget } from '../settings/copies';
import type { OpenedTarget } from './open-target';
import type { CopyProgress } from './copy-backup';

/** What copying, pruning, verifying and adopting a target need: its own file, so none of them imports another for it. */
export interface CopyContext {
  pool: Pool;
  journal: Journal;
  /** The primary storage (its backend gives the container bytes). */
  storage: ObjectStorage;
  masterEncryptionKey: Buffer;
  settings: CopySettings;
  clock: Clock;
  logger?: Logger;
  secrets: readonly string[];
  zstdLevel?: number;
  /** First retry's delay (ms), doubled each time; default 2 s. */
  retryBaseMs?: number;
  /** Opens a target (tests); default openTarget (openTargetFor). */
  open?: (target: CopyTarget) => Promise<OpenedTarget>;
  /** Prune each target after a copy run that completed, under the same lock (the host's retention policy). */
  prune?: PrunePolicy;
  /** Each copy's progress, per target and backup (the CLI's bar). */
  onCopyProgress?: (target: string, backupId: string, p: CopyProgress) => void;
}

/** The policy a prune applies, and the zone its day/week/month buckets are cut in. */
export interface PrunePolicy {
  policy: RetentionPolicy;
  timeZone: () => Promise<string>;
}
