/**
 * The figures BENCHMARKS.md shows, as numbers: what bench/history/<mode>.json keeps of each run so
 * that the next run can print the previous figure beside its own.
 */
import { fmtBytes, fmtMs, fmtRatio, MiB } from '../stats';

/** How a figure is printed; two figures compare only when their units match. */
export type Unit = 'ratio' | 'ms' | 'bytes' | 'percent' | 'ms/MiB' | 'decimal' | 'count';

export interface Figure {
  value: number;
  unit: Unit;
}

/** One section's figures from one run (a scale, the audit queries, the CPU profile, …). */
export interface Measurement {
  /** ISO time the section was measured (or, for figures taken from BENCHMARKS.md, the time it states). */
  measuredAt: string;
  /** Short hash of the commit measured; `-dirty` when tracked files other than the results differed. */
  commit: string;
  machine: string;
  /** Where the figures come from when not from a run's own results (e.g. transcribed from BENCHMARKS.md). */
  source?: string;
  /** By a stable name (not the table's label, which carries run counts and sizes). */
  figures: Record<string, Figure>;
}

export interface SectionHistory {
  latest: Measurement;
  previous?: Measurement;
}

/** bench/history/<mode>.json: per section, the run BENCHMARKS.md shows and the one before it. */
export interface History {
  sections: Record<string, SectionHistory>;
}

export function fmtFigure(f: Figure): string {
  switch (f.unit) {
    case 'ratio':
      return fmtRatio(f.value);
    case 'ms':
      return fmtMs(f.value);
    case 'bytes':
      return fmtBytes(f.value);
    case 'percent':
      return `${f.value.toFixed(1)} %`;
    case 'ms/MiB':
    case 'decimal':
      return f.value.toFixed(2);
    case 'count':
      return String(Math.round(f.value));
  }
}

/** Inverse of fmtFigure for the texts it prints (the seed from BENCHMARKS.md reads them back). */
export function parseFigure(text: string, unit: Unit): Figure {
  const t = text.trim();
  const number = (re: RegExp) => {
    const m = re.exec(t);
    if (!m) throw new Error(`not a ${unit} figure: ${JSON.stringify(text)}`);
    return Number(m[1]);
  };
  switch (unit) {
    case 'ratio':
      return { value: number(/^(-?[\d.]+)×$/), unit };
    case 'ms':
      return { value: /^[\d.]+ s$/.test(t) ? number(/^([\d.]+) s$/) * 1000 : number(/^([\d.]+) ms$/), unit };
    case 'bytes':
      return { value: /GiB$/.test(t) ? number(/^([\d.]+) GiB$/) * 1024 * MiB : number(/^([\d.]+) MiB$/) * MiB, unit };
    case 'percent':
      return { value: number(/^(-?[\d.]+) %$/), unit };
    case 'ms/MiB':
    case 'decimal':
      return { value: number(/^(-?[\d.]+)$/), unit };
    case 'count':
      return { value: number(/^(\d+)$/), unit };
  }
}
