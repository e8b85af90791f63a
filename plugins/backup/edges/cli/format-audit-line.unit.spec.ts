import { describe, expect, it } from 'vitest';
import { escapeControlCharacters, formatAuditLine, terminalSafeJson } from './format-audit-line';
import type { AuditEntry } from '../../events/read-audit';

const entry = (data: Record<string, unknown>, type = 'BackupRequested'): AuditEntry => ({
  globalPosition: '7',
  streamId: 'request-1',
  streamVersion: '0',
  type,
  data,
  metadata: {},
  occurredAt: new Date('2026-11-29T00:00:00Z'),
});

// What a hostile NOTIFY can put into a reason: clear the screen, set the title, hide text, reverse it.
const HOSTILE = 'ok\u001b[2J\u001b]0;pwned\u0007\u009b31m\r\nfake line\u202eevil\u007f';

describe('cotton-backup audit output', () => {
  it('prints no control character: each is shown as a visible escape', () => {
    const line = formatAuditLine(entry({ source: 'notify', reason: HOSTILE, requestedBy: 'etl\u001b[8m', claimedRequestedBy: 'admin\u0007' }));
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(line).toContain('ok\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\x0d\\x0afake line\\u202eevil\\x7f');
    expect(line).toContain('(by etl\\x1b[8m, claims "admin\\x07")');
  });

  it('shows rejected requests and keeps ordinary text as it is', () => {
    expect(formatAuditLine(entry({ source: 'notify', reason: `not JSON ${HOSTILE}` }, 'RequestRejected'))).toContain('notify: not JSON ok\\x1b[2J');
    expect(escapeControlCharacters('plain ünïcode ✓ text')).toBe('plain ünïcode ✓ text');
  });

  it('--json escapes what JSON.stringify leaves raw (DEL, C1, bidi overrides) and stays valid JSON', () => {
    const text = terminalSafeJson([{ reason: HOSTILE }]);
    // Pretty-printed: line feeds are its own; nothing else may reach the terminal raw.
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(JSON.parse(text)).toEqual([{ reason: HOSTILE }]);
  });
});
