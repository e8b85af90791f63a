import { BackupPluginError } from '../core/errors';

/** An append lost an optimistic-concurrency race, or was made against a stale version. */
export class ConcurrencyError extends BackupPluginError {
  readonly streamId: string;
  /** The version the caller expected (0n = no stream; 'any' only when a concurrent appender took the same version). */
  readonly expectedVersion: bigint | 'any';
  /** The stream's version when the append was refused, when known. */
  readonly actualVersion: bigint | undefined;

  constructor(streamId: string, expectedVersion: bigint | 'any', actualVersion: bigint | undefined, options?: ErrorOptions) {
    const actual = actualVersion === undefined ? 'was appended to concurrently' : `is at version ${actualVersion}`;
    const expected = expectedVersion === 'any' ? 'any version' : `version ${expectedVersion}${expectedVersion === 0n ? ' (no stream)' : ''}`;
    super('EVENT_CONCURRENCY', `stream "${streamId}" ${actual}, expected ${expected}; read the stream again and decide whether the append still applies`, options);
    this.name = 'ConcurrencyError';
    this.streamId = streamId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}
