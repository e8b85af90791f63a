/**
 * Timestamps as Cotton's C# writes them into notification metadata (COTTON.md §5): .NET's
 * round-trip format "O" (7 fractional digits; `Z` in UTC, the offset for a local time) and the
 * display format `yyyy-MM-dd HH:mm:ss`. Cotton's web UI shows these strings as they are.
 */

import { isTimeZone } from '../../../src/config/variables';

/** An instant with .NET's precision: milliseconds since the epoch plus the 100 ns ticks below them. */
export interface Instant {
  epochMs: number;
  subMsTicks: number;
}

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Reads an ISO-8601 timestamp keeping up to 7 fractional digits; no zone means UTC (our fields say Utc). */
export function parseInstant(text: string): Instant | undefined {
  const m = ISO.exec(text.trim());
  if (!m) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : { epochMs: ms, subMsTicks: 0 };
  }
  const fraction = (m[2] ?? '').padEnd(7, '0').slice(0, 7);
  const epochMs = Date.parse(`${m[1]}.${fraction.slice(0, 3)}${m[3] ?? 'Z'}`);
  return Number.isNaN(epochMs) ? undefined : { epochMs, subMsTicks: Number(fraction.slice(3)) };
}

export function instantOf(date: Date): Instant {
  return { epochMs: date.getTime(), subMsTicks: 0 };
}

/** A time zone JavaScript knows (IANA id), else UTC: a wrong setting must not cost the notification. */
export function knownTimeZone(zone: string | undefined): string {
  return zone && isTimeZone(zone) ? zone : 'UTC';
}

interface WallClock {
  date: string;
  time: string;
  offsetMinutes: number;
}

function wallClock(epochMs: number, timeZone: string): WallClock {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(epochMs))
      .map((p) => [p.type, p.value]),
  );
  const year = String(parts.year).padStart(4, '0');
  const date = `${year}-${parts.month}-${parts.day}`;
  const time = `${parts.hour}:${parts.minute}:${parts.second}`;
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  const offsetMinutes = Math.round((Date.parse(`${date}T${time}Z`) - wholeSecond) / 60_000);
  return { date, time, offsetMinutes };
}

function fraction(instant: Instant): string {
  const ms = ((instant.epochMs % 1000) + 1000) % 1000;
  return `${String(ms).padStart(3, '0')}${String(instant.subMsTicks).padStart(4, '0')}`;
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `2026-11-28T23:48:07.0870000Z` */
export function roundTripUtc(instant: Instant): string {
  const { date, time } = wallClock(instant.epochMs, 'UTC');
  return `${date}T${time}.${fraction(instant)}Z`;
}

/** `2026-11-29T00:48:07.0870000+01:00`: the wall time in `timeZone` with its offset. */
export function roundTripLocal(instant: Instant, timeZone: string): string {
  const { date, time, offsetMinutes } = wallClock(instant.epochMs, timeZone);
  return `${date}T${time}.${fraction(instant)}${offsetText(offsetMinutes)}`;
}

/** `yyyy-MM-dd HH:mm:ss` in `timeZone` (UTC by default). */
export function display(instant: Instant, timeZone = 'UTC'): string {
  const { date, time } = wallClock(instant.epochMs, timeZone);
  return `${date} ${time}`;
}
