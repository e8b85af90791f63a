import type { AuditEntry } from '../../events/read-audit';
import { mib } from './cli-formats';

/**
 * Control characters (C0, DEL, C1) and bidirectional overrides, which a terminal would obey:
 * any role that can NOTIFY writes a reason, so the trail may hold `ESC ]…` or `ESC [2J`.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** The same outside C0: inside JSON strings C0 is escaped already, and outside them it is the layout's own line feeds. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Shows each unsafe character as a visible escape (`\x1b`, `\u202e`) instead of sending it to the terminal. */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** JSON for a terminal: JSON.stringify escapes C0 only; DEL, C1 and bidi overrides are escaped too (still valid JSON). */
export function terminalSafeJson(value: unknown): string {
  const text = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
  return `${text.replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** One line of `cotton-backup audit`; whatever the events hold, the line holds no control character. */
export function formatAuditLine(e: AuditEntry): string {
  const d = e.data as Record<string, unknown>;
  const claimed = typeof d.claimedRequestedBy === 'string' ? `, claims "${d.claimedRequestedBy}"` : '';
  const detail =
    e.type === 'BackupRequested' ? `${d.source}: ${d.reason} (by ${d.requestedBy}${claimed})`
    : e.type === 'Dumped' ? `${mib(Number(d.bytes))} sha256 ${String(d.sha256).slice(0, 12)}…`
    : e.type === 'Chunked' ? `${d.chunkCount} chunks, ${d.newChunks} new, ${d.reusedChunks} reused`
    : e.type === 'FileChunksRecorded' ? `${d.chunkCount} file chunks the database references`
    : e.type === 'PointerAdvanced' || e.type === 'ManifestCommitted' ? `manifest ${String(d.manifestKey).slice(0, 12)}…`
    : e.type === 'BackupFailed' ? `${d.step}: ${d.message}`
    : e.type === 'RestoreRejected' ? `${d.reason}: ${d.detail}`
    : e.type === 'RequestRejected' ? `${d.source}: ${d.reason}${d.sample ? ` (sent: "${d.sample}")` : ''}`
    : e.type === 'EventRejected' ? `${d.rejectedType}: ${d.problem}`
    : e.type === 'StoredEventRejected' ? `${d.rejectedType} at #${d.globalPosition} in ${d.streamId}: ${d.reason}`
    : e.type === 'BackupKept' ? `${(d.rules as string[]).join(', ')} (policy ${d.policy})`
    : e.type === 'ManifestUnreadable' ? `manifest ${String(d.manifestKey).slice(0, 12)}…: ${d.problem}`
    : e.type === 'ObjectsReleased' ? `${d.releasedObjects} objects back to Cotton's GC`
    : '';
  const mark = e.metadata?.rerecorded ? ' (re-recorded)' : '';
  const line = `#${e.globalPosition.padStart(6)}  ${e.occurredAt.toISOString()}  ${e.streamId.padEnd(40)}  ${e.type}${mark}  ${detail}`;
  return `${escapeControlCharacters(line)}\n`;
}
