import { describe, expect, it } from 'vitest';
import { textSink } from '../../test/support/cli';
import { startProgress } from './progress';

const terminal = () => {
  const sink = textSink();
  Object.assign(sink.stream, { isTTY: true, columns: 120 });
  return sink;
};

describe('startProgress', () => {
  it('on a terminal draws the bar with the rate and the ETA at that rate', () => {
    const sink = terminal();
    let t = 0;
    const bar = startProgress(sink.stream, { label: 'verify', now: () => t });
    bar.update(0, 100 * 1048576, 'chunk 0/10');
    t = 10_000;
    bar.update(25 * 1048576, 100 * 1048576, 'chunk 3/10');
    bar.stop();
    expect(sink.text()).toMatch(/verify \|.*\| 25% 25\.0 MiB\/100\.0 MiB, 2\.5 MiB\/s ETA 30s, chunk 3\/10/);
  });

  it('without a total shows the amount and the rate, no ETA', () => {
    const sink = terminal();
    let t = 0;
    const bar = startProgress(sink.stream, { label: 'backup: dumped', now: () => t });
    bar.update(0);
    t = 2000;
    bar.update(4 * 1048576, undefined, 'chunks 2 new, 0 reused');
    bar.stop();
    expect(sink.text()).toContain('backup: dumped 4.0 MiB, 2.0 MiB/s, chunks 2 new, 0 reused');
    expect(sink.text()).not.toContain('ETA');
  });

  it('is quiet when the stream is not a terminal, and under --json', () => {
    const pipe = textSink();
    const json = terminal();
    for (const [stream, opts] of [[pipe.stream, {}], [json.stream, { json: true }]] as const) {
      const bar = startProgress(stream, { label: 'copy', ...opts });
      bar.update(1, 2);
      bar.stop();
    }
    expect([pipe.text(), json.text()]).toEqual(['', '']);
  });
});
