import cliProgress from 'cli-progress';

/** A long command's progress on stderr: done so far, the total when known, a detail ("chunk 3/9"). */
export interface Progress {
  update(done: number, total?: number, detail?: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /** What is being done: "backup", "verify", "copy to offsite". */
  label: string;
  /** `--json`: the output is for a program, so nothing is drawn. */
  json?: boolean;
  /** What `done` counts: bytes (shown in MiB, rate in MiB/s) or objects. */
  unit?: 'bytes' | 'objects';
  now?: () => number;
}

const quiet: Progress = { update() {}, stop() {} };

/**
 * A bar with rate and ETA on `stream` when it is a terminal; nothing otherwise (a pipe, a log
 * file, cron) and nothing under `--json`. The rate is the average since the first update, the ETA
 * what is left at that rate; without a total (a dump's size is not known ahead) no bar and no ETA.
 */
export function startProgress(stream: NodeJS.WritableStream, options: ProgressOptions): Progress {
  if (options.json || (stream as Partial<NodeJS.WriteStream>).isTTY !== true) return quiet;
  const now = options.now ?? Date.now;
  const bytes = options.unit !== 'objects';
  const amount = (n: number) => (bytes ? `${(n / 1048576).toFixed(1)} MiB` : `${n}`);
  let bar: cliProgress.SingleBar | undefined;
  let started = 0;
  const payload = (done: number, total: number | undefined, detail = '') => {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const rate = done / seconds;
    const left = total !== undefined && rate > 0 ? Math.max(total - done, 0) / rate : undefined;
    return {
      label: options.label,
      done: amount(done),
      of: total === undefined ? '' : `/${amount(total)}`,
      rate: bytes ? `${(rate / 1048576).toFixed(1)} MiB/s` : `${rate.toFixed(1)}/s`,
      left: left === undefined ? '' : ` ETA ${formatSeconds(left)}`,
      detail: detail ? `, ${detail}` : '',
    };
  };
  return {
    update(done, total, detail) {
      if (!bar) {
        started = now();
        const format = total === undefined ? '{label} {done}, {rate}{detail}' : '{label} |{bar}| {percentage}% {done}{of}, {rate}{left}{detail}';
        bar = new cliProgress.SingleBar({ stream: stream as NodeJS.WriteStream, format, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(total ?? 0, done, payload(done, total, detail));
        return;
      }
      if (total !== undefined) bar.setTotal(total);
      bar.update(done, payload(done, total, detail));
    },
    stop() {
      bar?.stop();
    },
  };
}

function formatSeconds(s: number): string {
  const total = Math.round(s);
  const m = Math.floor(total / 60);
  return m > 0 ? `${m}m${String(total % 60).padStart(2, '0')}s` : `${total}s`;
}
