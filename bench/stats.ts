export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Every sample, in measurement order. */
  samples: number[];
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, samples: [...samples] };
}

/** Per-run ratios a[i] / b[i] (runs are paired: measured back to back in the same round). */
export function ratios(a: readonly number[], b: readonly number[]): Summary {
  return summarize(a.map((value, i) => value / b[i]!));
}

export const MiB = 1024 * 1024;

export function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
}

export function fmtBytes(bytes: number): string {
  return bytes >= 1024 * MiB ? `${(bytes / 1024 / MiB).toFixed(2)} GiB` : `${(bytes / MiB).toFixed(1)} MiB`;
}

export function fmtSpread(s: Summary, fmt: (n: number) => string): string {
  return s.samples.length > 1 ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median);
}

export const fmtRatio = (n: number): string => `${n.toFixed(2)}×`;
