import { describe, expect, it } from 'vitest';
import { runCliCaptured, textSink } from '../../test/support/cli';
import { colourAllowed, toCliJson } from './output';

describe('toCliJson', () => {
  it('camelCases keys, turns bigints and the named digit strings into numbers and dates into ISO strings', () => {
    const row = { backup_id: '0123', dump_bytes: '1048576', status: '42', started_at: new Date('2026-01-02T03:04:05Z'), nested: [{ new_chunks: 3n }] };
    expect(toCliJson(row, { numeric: ['dump_bytes'] })).toEqual({
      backupId: '0123',
      dumpBytes: 1048576,
      status: '42', // not a numeric column: a digit string stays a string
      startedAt: '2026-01-02T03:04:05.000Z',
      nested: [{ newChunks: 3 }],
    });
  });

  it('leaves the keys of an opaque value as they are', () => {
    expect(toCliJson({ event_data: { table_name: 1 } }, { opaque: ['event_data'] })).toEqual({ eventData: { table_name: 1 } });
  });
});

describe('colourAllowed', () => {
  const tty = () => Object.assign(textSink().stream, { isTTY: true });
  it('only on a terminal, and never with NO_COLOR set', () => {
    expect(colourAllowed(tty(), {})).toBe(true);
    expect(colourAllowed(tty(), { NO_COLOR: '1' })).toBe(false);
    expect(colourAllowed(textSink().stream, {})).toBe(false);
  });
});

describe('errors under --json', () => {
  it('a usage error is one JSON line on stderr with its code and exit code, without commander\'s text', async () => {
    const result = await runCliCaptured({ COTTON_PLUGINS_PATH: '/nonexistent' }, 'storage', 'ls', '--bogus', '--json');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(JSON.parse(result.stderr)).toEqual({ error: { code: 'USAGE', message: "error: unknown option '--bogus'", exitCode: 1 } });
  });

  it('a configuration error names its code', async () => {
    const plugins = new URL('../../plugins', import.meta.url).pathname;
    const result = await runCliCaptured({ COTTON_PG_PORT: 'x', COTTON_PLUGINS_PATH: plugins }, 'latest', '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: { code: 'INVALID_CONFIGURATION', exitCode: 1 } });
  });
});
