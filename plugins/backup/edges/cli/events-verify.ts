import type pg from 'pg';
import * as sql from '../../events/sql';
import { verifyChain, type ChainBreak } from '../../events/verify-chain';
import { verifySeals, type SealAnchor, type SealProblem } from '../../events/verify-seals';
import { inReadSnapshot } from '../../events/read-snapshot';

/** What the seal check needs: the key (deriveEventSealKey) and the newest backup's recorded chain head. */
export interface SealCheck {
  sealKey: Buffer;
  /** Read from the storage (the latest-backup pointer's manifest); undefined when there is none or it records no head. */
  anchor: () => Promise<SealAnchor | undefined>;
}

/** `cotton-backup events verify`: the result, JSON-safe (positions and versions as decimal strings). */
export interface EventsVerifyReport {
  /** ok: every chain intact; broken: at least one break; missing: no event store in this database. */
  status: 'ok' | 'broken' | 'missing';
  checked: number;
  streams: number;
  /** Events under a seal (HMAC chain, migration 011); `unsealed` ones are not protected by it. */
  sealed: number;
  unsealed: number;
  /** What the newest backup's chain head said about this log. */
  anchor: string;
  firstBroken?: EventsVerifyBreak;
  /** Up to 100 breaks, lowest global position first. */
  problems: EventsVerifyBreak[];
  /** 0 ok, 1 broken, 2 missing. */
  exitCode: number;
}

export interface EventsVerifyBreak {
  /** Absent for behind_backup and seals_missing, which concern the log as a whole. */
  globalPosition?: string;
  streamId?: string;
  streamVersion?: string;
  sealPosition?: string;
  reason: ChainBreak['reason'] | SealProblem['reason'] | 'seals_missing';
  detail: string;
}

export const EVENTS_VERIFY_EXIT = { ok: 0, broken: 1, missing: 2 } as const;

/**
 * Verifies every stream's hash chain and the seal chain over the whole log, in one snapshot, then
 * the seal chain against the newest backup's recorded head. Connection and storage errors propagate.
 */
export async function runEventsVerify(pool: pg.Pool, seals: SealCheck): Promise<EventsVerifyReport> {
  const { rows } = await pool.query<{ present: boolean }>(sql.EVENT_STORE_PRESENT);
  if (!rows[0]!.present) return { status: 'missing', checked: 0, streams: 0, sealed: 0, unsealed: 0, anchor: 'no event store', problems: [], exitCode: EVENTS_VERIFY_EXIT.missing };
  const anchor = await seals.anchor();
  const { chain, sealed } = await inReadSnapshot(pool, async (client) => {
    const chain = await verifyChain(client);
    const sealed = await verifySeals(client, seals.sealKey, anchor);
    return { chain, sealed };
  });
  const problems: EventsVerifyBreak[] = [...chain.problems.map(toReportBreak), ...sealed.problems];
  if (!sealed.present && chain.checked > 0) {
    problems.push({ reason: 'seals_missing', detail: 'cotton_backup.event_seals does not exist but events do: the seal table was dropped (or migration 011 never ran)' });
  }
  const status = problems.length === 0 ? 'ok' : 'broken';
  return {
    status,
    checked: chain.checked,
    streams: chain.streams,
    sealed: sealed.sealed,
    unsealed: sealed.unsealed,
    anchor: sealed.anchor,
    ...(problems[0] ? { firstBroken: problems[0] } : {}),
    problems,
    exitCode: EVENTS_VERIFY_EXIT[status],
  };
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
      return (
        `events verify: OK — ${report.checked} event(s) in ${report.streams} stream(s), every hash chain intact; ` +
        `${report.sealed} seal(s) intact${report.unsealed ? `, ${report.unsealed} event(s) not sealed yet (appended in SQL; sealed at the next append)` : ''}; ${report.anchor}.`
      );
    case 'broken': {
      const first = report.firstBroken!;
      const lines = [
        `events verify: BROKEN — ${report.problems.length} problem(s) in ${report.checked} event(s) across ${report.streams} stream(s).`,
        first.globalPosition === undefined
          ? `First problem: ${first.reason}.`
          : `First broken event: global position ${first.globalPosition} (stream "${first.streamId}" version ${first.streamVersion}): ${first.reason}.`,
        '',
        ...report.problems.map((p) => (p.globalPosition === undefined ? `  ${p.reason}: ${p.detail}` : `  #${p.globalPosition}  ${p.streamId} v${p.streamVersion}  ${p.reason}: ${p.detail}`)),
        '',
        'The event log was changed outside the plugin (only possible with triggers disabled, e.g. by the table owner or a superuser).',
        'Do not trust the listed events; compare with a backup of the database and find out who changed it.',
      ];
      return lines.join('\n');
    }
  }
}

/** What the CLI action calls: the printed text and the process exit code. */
export async function verifyEventsCommand(pool: pg.Pool, seals: SealCheck, options: { json?: boolean } = {}): Promise<{ output: string; exitCode: number; report: EventsVerifyReport }> {
  const report = await runEventsVerify(pool, seals);
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
