import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { redactSecrets } from '../../../src/config/secrets';
import { notifyAdmins } from '../notifications/notify-admins';
import type { NewEvent } from '../events';
import type { Journal } from '../projections/journal';
import type { VerificationReport } from './verify-backup';
import { recordNotified } from '../notifications/record-notified';
import type { Logger } from 'pino';
import { clipMessage } from '../core/message-limit';

const BACKUP_ID = /^[0-9a-f]{32}$/;
const KEY = /^[0-9a-f]{64}$/;

/**
 * Records a verification as Verified or VerificationFailed in a stream of its own
 * (`verification-<uuid>`), and on failure tells every admin through Cotton's notifications.
 * A verification that could not even find its manifest (no pointer, unknown backup) has no
 * backup to name: it is not an event, but admins are still told. Returns the stream id.
 */
export async function recordVerification(
  pool: Pool,
  journal: Journal,
  report: VerificationReport,
  options: { secrets: readonly string[]; trigger: 'schedule' | 'cli' | 'api'; logger?: Logger; /** A copy target's name: the copy there was read, not the primary. */ target?: string },
): Promise<string> {
  const where: Record<string, string> = options.target ? { target: options.target } : {};
  const streamId = `verification-${randomUUID()}`;
  const events: NewEvent[] = [];
  const identified = report.backupId && BACKUP_ID.test(report.backupId) && report.manifestKey && KEY.test(report.manifestKey);
  if (report.problems.length === 0 && identified && report.sha256) {
    events.push({
      type: 'Verified',
      data: { backupId: report.backupId!, manifestKey: report.manifestKey!, bytes: report.bytes, sha256: report.sha256, chunkCount: report.chunkCount, durationMs: report.durationMs },
      metadata: { trigger: options.trigger, ...where },
    });
  } else if (identified) {
    events.push({
      type: 'VerificationFailed',
      data: {
        backupId: report.backupId!,
        manifestKey: report.manifestKey!,
        problems: report.problems.slice(0, 500).map((p) => ({ key: p.key.slice(0, 200), problem: p.problem, detail: clipMessage(redactSecrets(p.detail, options.secrets)) })),
      },
      metadata: { trigger: options.trigger, ...where },
    });
  }
  if (events.length > 0) await journal.append(streamId, events, { expectedVersion: 'no_stream' });
  if (report.problems.length === 0) return streamId;

  const summary = report.problems
    .slice(0, 5)
    .map((p) => `${p.key.slice(0, 12)}…: ${p.problem}`)
    .join('; ');
  const notified = await notifyAdmins(pool, {
    kind: 'verification_failed',
    dedupKey: streamId,
    title: 'Database backup verification failed',
    content:
      `Backup ${report.backupId ?? '(unknown)'}${options.target ? ` in copy target ${options.target}` : ''} failed verification: ${report.problems.length} problem(s) (${summary}). ` +
      (options.target
        ? `Run \`cotton-backup verify --target ${options.target} --json\` for every damaged object; the next copy (\`cotton-backup copies --sync\`) replaces them.`
        : 'Run `cotton-backup verify --json` for every damaged object, and take a new backup.'),
    priority: 3,
    metadata: {
      backupId: report.backupId ?? '',
      manifestStorageKey: report.manifestKey ?? '',
      problemCount: String(report.problems.length),
      ...where,
    },
  });
  await recordNotified(journal, streamId, notified, options.logger);
  return streamId;
}
