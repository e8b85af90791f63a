/**
 * The previous run beside this one: the cell of the "previous (change)" column, the same for a
 * note's inline figure, and the line that names the previous run once per section.
 */
import { fmtFigure, type Figure, type Measurement, type SectionHistory } from './figures';

const MINUS = '−';

/**
 * How `now` differs from `before`: relative, in %; for percentages (already relative) the
 * difference in points. Undefined when the two do not compare (another unit, or from zero).
 */
export function change(now: Figure, before: Figure): string | undefined {
  if (now.unit !== before.unit) return undefined;
  const diff = now.unit === 'percent' ? now.value - before.value : before.value === 0 ? Number.NaN : (100 * (now.value - before.value)) / before.value;
  if (!Number.isFinite(diff)) return undefined;
  const unit = now.unit === 'percent' ? ' pt' : ' %';
  // Figures that print the same are the same to the reader (figures seeded from BENCHMARKS.md are rounded as printed).
  if (Math.abs(diff) < 0.05 || fmtFigure(now) === fmtFigure(before)) return `±0${unit}`;
  return `${diff < 0 ? MINUS : '+'}${Math.abs(diff).toFixed(1)}${unit}`;
}

/** The previous figure and the change, e.g. `1.63× (−4.9 %)`; empty when this row has no figure. */
export function previousCell(now: Figure | undefined, previous: Measurement | undefined, key: string | undefined): string {
  if (!now || key === undefined) return '';
  if (!previous) return '—';
  const before = previous.figures[key];
  if (!before) return 'new';
  const delta = change(now, before);
  return delta === undefined ? `${fmtFigure(before)} (other unit)` : `${fmtFigure(before)} (${delta})`;
}

/** For a figure inside a sentence: ` (previous 1.02 s, −5.8 %)`, or nothing without a previous figure. */
export function previousInline(now: Figure, previous: Measurement | undefined, key: string): string {
  const before = previous?.figures[key];
  if (!before) return '';
  const delta = change(now, before);
  return ` (previous ${fmtFigure(before)}${delta === undefined ? ', other unit' : `, ${delta}`})`;
}

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** Names the run the "previous" figures come from, once per section. */
export function previousNote(section: SectionHistory | undefined, machine?: string, label?: string): string {
  const p = section?.previous;
  const previous = label ? `Previous (${label})` : 'Previous';
  if (!p) return `${previous}: no earlier run.`;
  const otherMachine = machine !== undefined && p.machine !== machine ? `, on another machine (${p.machine})` : '';
  // Figures read back from an older BENCHMARKS.md say where they were read, not which code they measured.
  return `${previous}: ${when(p.measuredAt)}, ${p.source ?? `commit ${p.commit}`}${otherMachine}.`;
}
