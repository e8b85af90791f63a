import { describe, expect, it } from 'vitest';
import { display, instantOf, knownTimeZone, parseInstant, roundTripLocal, roundTripUtc } from './dotnet-time';

describe('.NET timestamp formats for Cotton’s notification metadata', () => {
  it('writes the round-trip format with 7 digits, keeping the ticks an ISO text carries', () => {
    expect(roundTripUtc(instantOf(new Date('2026-11-28T23:48:07.087Z')))).toBe('2026-11-28T23:48:07.0870000Z');
    expect(roundTripUtc(parseInstant('2026-11-28T23:48:07.0871234Z')!)).toBe('2026-11-28T23:48:07.0871234Z');
    expect(roundTripUtc(parseInstant('2026-11-28T23:48:07Z')!)).toBe('2026-11-28T23:48:07.0000000Z');
    expect(roundTripUtc(parseInstant('2026-11-28T23:48:07.5')!)).toBe('2026-11-28T23:48:07.5000000Z');
    expect(roundTripUtc(parseInstant('2026-11-29T00:48:07.0870000+01:00')!)).toBe('2026-11-28T23:48:07.0870000Z');
    expect(parseInstant('yesterday')).toBeUndefined();
  });

  it('writes local times with their offset, across DST and for zones behind UTC', () => {
    const winter = parseInstant('2026-11-28T23:48:07.0870000Z')!;
    expect(roundTripLocal(winter, 'Europe/Berlin')).toBe('2026-11-29T00:48:07.0870000+01:00');
    expect(display(winter, 'Europe/Berlin')).toBe('2026-11-29 00:48:07');
    const summer = parseInstant('2026-07-01T12:00:00Z')!;
    expect(roundTripLocal(summer, 'Europe/Berlin')).toBe('2026-07-01T14:00:00.0000000+02:00');
    expect(roundTripLocal(summer, 'America/St_Johns')).toBe('2026-07-01T09:30:00.0000000-02:30');
    expect(roundTripLocal(summer, 'UTC')).toBe('2026-07-01T12:00:00.0000000+00:00');
    expect(display(winter)).toBe('2026-11-28 23:48:07');
    expect(display(parseInstant('2026-01-01T00:00:00Z')!, 'Asia/Kathmandu')).toBe('2026-01-01 05:45:00');
  });

  it('falls back to UTC for a zone JavaScript does not know', () => {
    expect(knownTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(knownTimeZone('Mars/Olympus')).toBe('UTC');
    expect(knownTimeZone(undefined)).toBe('UTC');
  });
});
