import type { Logger } from 'pino';
import { startRunLog } from '../core/run-log';
import type { VerificationReport } from './verify-backup';

/**
 * One verification between its start and end lines: `verification finished` with the bytes read,
 * or `verification failed` (one error line) with the number of problems and the first. `verify`
 * returns undefined when there was nothing to verify (no backup yet): `skipped`.
 */
export async function logVerification(
  logger: Logger | undefined,
  fields: { trigger: 'schedule' | 'api'; target?: string },
  verify: () => Promise<VerificationReport | undefined>,
): Promise<VerificationReport | undefined> {
  const log = startRunLog(logger, 'verification', fields);
  let report: VerificationReport | undefined;
  try {
    report = await verify();
  } catch (error) {
    log.end('failed', {}, (error as Error).message);
    throw error;
  }
  if (!report) {
    log.end('skipped', { reason: 'no backup yet' });
    return undefined;
  }
  const facts = { backupId: report.backupId, bytes: report.bytes, chunks: report.chunkCount };
  const first = report.problems[0];
  if (first) log.end('failed', { ...facts, problems: report.problems.length }, `${first.problem} ${first.key}: ${first.detail}`);
  else log.end('succeeded', facts);
  return report;
}
