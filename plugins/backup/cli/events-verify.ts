import type pg from 'pg';
import { SQLSTATE } from '../events/sql';
import { verifyChain, type ChainBreak } from '../events/verify-chain';

/** `cotton-backup events verify`: the result, JSON-safe (positions and versions as decimal strings). */
export interface EventsVerifyReport {
  /** ok: every chain intact; broken: at least one break; missing: no event store in this database. */
  status: 'ok' | 'broken' | 'missing';
  checked: number;
  streams: number;
  firstBroken?: EventsVerifyBreak;
  /** Up to 100 breaks, lowest global position first. */
  problems: EventsVerifyBreak[];
  /** 0 ok, 1 broken, 2 missing. */
  exitCode: number;
}

export interface EventsVerifyBreak {
  globalPosition: string;
  streamId: string;
  streamVersion: string;
  reason: ChainBreak['reason'];
  detail: string;
}

export const EVENTS_VERIFY_EXIT = { ok: 0, broken: 1, missing: 2 } as const;

/** Verifies every stream's hash chain in cotton_backup.events. Connection errors propagate. */
export async function runEventsVerify(pool: pg.Pool): Promise<EventsVerifyReport> {
  try {
    const result = await verifyChain(pool);
    const problems = result.problems.map(toReportBreak);
    const status = result.ok ? 'ok' : 'broken';
    return {
      status,
      checked: result.checked,
      streams: result.streams,
      ...(problems[0] ? { firstBroken: problems[0] } : {}),
      problems,
      exitCode: EVENTS_VERIFY_EXIT[status],
    };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === SQLSTATE.undefinedTable || code === SQLSTATE.invalidSchemaName) {
      return { status: 'missing', checked: 0, streams: 0, problems: [], exitCode: EVENTS_VERIFY_EXIT.missing };
    }
    throw error;
  }
}

/** Human text, or the report as JSON (one object, pretty-printed). */
export function formatEventsVerify(report: EventsVerifyReport, json: boolean): string {
  if (json) return JSON.stringify(report, null, 2);
  switch (report.status) {
    case 'missing':
      return (
        'events verify: no event store in this database (cotton_backup.events does not exist).\n' +
        'Start the host once (`cotton-backup serve`) so the backup plugin migrations run, or check COTTON_PG_DATABASE.'
      );
    case 'ok':
      return `events verify: OK — ${report.checked} event(s) in ${report.streams} stream(s), every hash chain intact.`;
    case 'broken': {
      const lines = [
        `events verify: BROKEN — ${report.problems.length} problem(s) in ${report.checked} event(s) across ${report.streams} stream(s).`,
        `First broken event: global position ${report.firstBroken!.globalPosition} (stream "${report.firstBroken!.streamId}" version ${report.firstBroken!.streamVersion}): ${report.firstBroken!.reason}.`,
        '',
        ...report.problems.map((p) => `  #${p.globalPosition}  ${p.streamId} v${p.streamVersion}  ${p.reason}: ${p.detail}`),
        '',
        'The event log was changed outside the plugin (only possible with triggers disabled, e.g. by a superuser).',
        'Do not trust the listed events; compare with a backup of the database and find out who changed it.',
      ];
      return lines.join('\n');
    }
  }
}

/** What the CLI action calls: the printed text and the process exit code. */
export async function verifyEventsCommand(pool: pg.Pool, options: { json?: boolean } = {}): Promise<{ output: string; exitCode: number; report: EventsVerifyReport }> {
  const report = await runEventsVerify(pool);
  return { output: formatEventsVerify(report, options.json ?? false), exitCode: report.exitCode, report };
}

function toReportBreak(b: ChainBreak): EventsVerifyBreak {
  return {
    globalPosition: b.globalPosition.toString(),
    streamId: b.streamId,
    streamVersion: b.streamVersion.toString(),
    reason: b.reason,
    detail: b.detail,
  };
}
