import type { StorageBackend } from '../../../src/storage/backend/storage-backend';
import type { ObjectStorage } from '../../../src/storage/object-storage';
import { openBackendStorage, type BackendChoice } from '../../../src/storage/open/open-backend';
import type { CopySettings, CopyTarget } from '../settings/copies';
import type { Logger } from 'pino';
import type { Clock } from '../../../src/contract/services';

/** What reading backups from the copy targets needs: their settings, the key, and how to open one (a test opens its own). */
export interface CopiesRestoreInputs {
  settings: CopySettings;
  masterEncryptionKey: Buffer;
  clock: Clock;
  zstdLevel?: number;
  logger?: Logger;
  open?: (target: CopyTarget) => Promise<OpenedTarget>;
}

/** A copy target opened: the raw backend (objects are copied as container bytes) and the pipeline over it (manifest, index, pointer). */
export interface OpenedTarget {
  target: CopyTarget;
  backend: StorageBackend;
  storage: ObjectStorage;
  close(): Promise<void>;
}

/** Where an S3 target's bucket comes from, as its backend's settings name it: how a target's backend is told from the primary's. */
export const TARGET_BUCKET_SOURCE = 'COTTON_BACKUP_COPIES';

const AWS_NAMES = {
  endpoint: 'AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL',
  region: 'AWS_REGION',
  bucket: TARGET_BUCKET_SOURCE,
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
};

/**
 * Opens one target through the storage factory (the primary's wrappers: S3 retried, listings
 * resumed); nothing is probed or written (the copy's first write says what is wrong).
 */
export async function openTarget(target: CopyTarget, settings: CopySettings, masterEncryptionKey: Buffer, zstdLevel = 1, logger?: Logger): Promise<OpenedTarget> {
  const opened = await openBackendStorage(targetChoice(target, settings), { masterEncryptionKey, zstdLevel, logger });
  return { target, ...opened };
}

function targetChoice(target: CopyTarget, settings: CopySettings): BackendChoice {
  // A target refuses links in its layout (the factory's folder default): a planted one sent objects elsewhere.
  if (target.kind === 'folder') return { kind: 'folder', root: target.path };
  return {
    kind: 's3',
    settings: {
      endpoint: settings.aws.endpoint,
      region: settings.aws.region ?? 'us-east-1',
      bucket: target.bucket,
      accessKeyId: settings.aws.accessKeyId ?? '',
      secretAccessKey: settings.aws.secretAccessKey ?? '',
      forcePathStyle: true,
      prefix: target.prefix,
      names: AWS_NAMES,
    },
    // The copy has its own retries with backoff around whole copies; one SDK retry per request.
    sdkMaxAttempts: 2,
  };
}

/** What opening a target needs: a copy run's context and a restore's inputs both carry it. */
export type TargetOpening = Pick<CopiesRestoreInputs, 'settings' | 'masterEncryptionKey' | 'zstdLevel' | 'logger' | 'open'>;

/** Opens `target` the way these inputs say: their own opener (a test's), else openTarget. */
export function openTargetFor(inputs: TargetOpening, target: CopyTarget): Promise<OpenedTarget> {
  if (inputs.open) return inputs.open(target);
  return openTarget(target, inputs.settings, inputs.masterEncryptionKey, inputs.zstdLevel, inputs.logger);
}

/** The target of that name (or URL); undefined when none. */
export function findTarget(settings: CopySettings, name: string): CopyTarget | undefined {
  return settings.targets.find((t) => t.name === name || t.url === name);
}
