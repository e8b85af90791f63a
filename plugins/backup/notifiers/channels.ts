import type { NOTIFICATION_KINDS } from '../events/vocabulary';

/** What an admin notice says, for a channel beside Cotton's notifications table. */
export interface ChannelNotice {
  kind: (typeof NOTIFICATION_KINDS)[number];
  /** The same kind and key twice is the same notice (a retried startup): receivers dedupe on `id`. */
  dedupKey: string;
  title: string;
  content: string;
  /** Cotton's notification priority (0 none … 3 high). */
  priority: 0 | 1 | 2 | 3;
  metadata: Record<string, string>;
}

/** A channel takes a notice and delivers it in the background: `send` never waits and never throws. */
export interface NoticeChannel {
  send(notice: ChannelNotice): void;
}

// Keyed by the host's pool: every path that notifies admins already holds it (notifyAdmins takes
// it), and each host of a process (tests) has its own, so its channels are its own.
const channels = new WeakMap<object, Set<NoticeChannel>>();

/** Feeds `channel` every notice written through `pool`; the returned function detaches it. */
export function attachNoticeChannel(pool: object, channel: NoticeChannel): () => void {
  const set = channels.get(pool) ?? new Set<NoticeChannel>();
  channels.set(pool, set);
  set.add(channel);
  return () => void set.delete(channel);
}

export function sendToChannels(pool: object, notice: ChannelNotice): void {
  for (const channel of channels.get(pool) ?? []) {
    try {
      channel.send(notice);
    } catch {
      // A channel's own bug must not cost the admins' notice in Cotton's table.
    }
  }
}
