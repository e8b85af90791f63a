import type { RouteOptions } from 'fastify';
import { HttpError } from '../../../../../src/http/errors';
import type { BackupContext } from '../../../take-backup/run-backup';
import { readLatestBackup } from '../../../repository/latest-backup';
import { whileReading } from '../../../retention/reading-lease';
import { API_PREFIX } from '../api/context';
import { recordVerification } from '../../../verify/record-verification';
import { verifyBackup } from '../../../verify/verify-backup';
import { logVerification } from '../../../verify/log-verification';

/**
 * `POST …/verify`: verifies the latest backup end to end in the background (202); the outcome is
 * recorded as Verified or VerificationFailed (admins told on failure), as a scheduled one is.
 * One at a time per host: a second request while one runs gets 409.
 */
export function verifyRoute(backup: BackupContext): RouteOptions {
  let running: Promise<void> | undefined;
  return {
    method: 'POST',
    url: `${API_PREFIX}/verify`,
    handler: async (_request, reply) => {
      if (running) throw new HttpError(409, 'verification_running', 'A verification started from this host is still running.');
      if (!(await readLatestBackup(backup.storage, backup.masterEncryptionKey))) throw new HttpError(404, 'not_found', 'No database backup exists yet.');
      // Its failure, of the backup or of the run, is the run's one end line (log-verification.ts).
      running = logVerification(backup.logger, { trigger: 'api' }, async () => {
        const report = await whileReading(backup.pool, undefined, () => verifyBackup(backup.storage, backup.masterEncryptionKey, { recordings: backup.pool }));
        await recordVerification(backup.pool, backup.journal, report, { secrets: backup.secrets, trigger: 'api' });
        return report;
      })
        .then(() => undefined, () => undefined)
        .finally(() => (running = undefined));
      await reply.code(202).send({ status: 'started' });
    },
  };
}
