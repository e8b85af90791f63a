import { createHmac } from 'node:crypto';

/** An event in the text forms both the sealer and the verifier read it in (see sql.SEALABLE_COLUMNS). */
export interface SealableEvent {
  globalPosition: string;
  streamId: string;
  streamVersion: string;
  type: string;
  dataText: string;
  metadataText: string;
  occurredAtText: string;
}

/** The columns sql.SEALABLE_COLUMNS selects, as PostgreSQL hands them back. */
export interface SealableRow {
  global_position: string;
  stream_id: string;
  stream_version: string;
  type: string;
  data_text: string;
  metadata_text: string;
  occurred_at_text: string;
}

export function sealableEvent(row: SealableRow): SealableEvent {
  return {
    globalPosition: row.global_position,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    type: row.type,
    dataText: row.data_text,
    metadataText: row.metadata_text,
    occurredAtText: row.occurred_at_text,
  };
}

export interface SealFields {
  position: string;
  eventPosition: string;
  streamId: string;
  streamVersion: string;
  ownAppend: boolean;
  eventMac: string;
}

// A JSON array of strings: every field is delimited unambiguously, whatever the data holds.
// transaction_id is left out on purpose: a restore rebases it (rebase-transaction-ids.ts).
const EVENT_LABEL = 'cotton-backup event seal v1';
const CHAIN_LABEL = 'cotton-backup seal chain v1';

/** HMAC over the event's content and identity: any edit of a sealed event changes it. */
export function eventMac(key: Buffer, e: SealableEvent): string {
  const bytes = JSON.stringify([EVENT_LABEL, e.globalPosition, e.streamId, e.streamVersion, e.type, e.dataText, e.metadataText, e.occurredAtText]);
  return createHmac('sha256', key).update(bytes, 'utf8').digest('hex');
}

/** HMAC linking a seal to its predecessor (`previous` null for seal 1): a seal cannot be dropped, moved or forged. */
export function chainMac(key: Buffer, previous: string | null, s: SealFields): string {
  const bytes = JSON.stringify([CHAIN_LABEL, previous ?? '', s.position, s.eventPosition, s.streamId, s.streamVersion, s.ownAppend, s.eventMac]);
  return createHmac('sha256', key).update(bytes, 'utf8').digest('hex');
}
