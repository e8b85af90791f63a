import type { Logger } from 'pino';

/** How a run ended, on its end line. */
export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export interface RunLog {
  /** The end line: `<what> finished` (info), or `<what> failed` (error, with `err`) when the outcome is `failed`. */
  end(outcome: RunOutcome, fields?: Record<string, unknown>, err?: string): void;
}

/**
 * The start line of one run (a backup, a copy, a verification, a drill) and, through end(), its
 * one end line: the start's fields again, then outcome and durationMs, so that one query over the
 * log finds every run and how it ended. A failure is that one error line, not one per retry.
 */
export function startRunLog(logger: Logger | undefined, what: string, fields: Record<string, unknown> = {}): RunLog {
  const started = performance.now();
  logger?.info(fields, `${what} started`);
  let ended = false;
  return {
    end(outcome, more = {}, err) {
      if (ended) return; // one end line, whichever path ends the run first
      ended = true;
      const line = { ...fields, ...more, outcome, durationMs: Math.round(performance.now() - started) };
      if (outcome === 'failed') logger?.error(err === undefined ? line : { ...line, err }, `${what} failed`);
      else logger?.info(line, `${what} finished`);
    },
  };
}
