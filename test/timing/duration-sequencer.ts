import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Seconds each slow spec file took in a full run (`npm run test:durations` rewrites it from a
 * vitest JSON report). A clean clone has no vitest cache, and vitest then runs the largest files
 * first: the slowest specs here are tiny files (a fault scenario list, a minute-long cron wait)
 * that ran last and kept one worker busy alone for a minute at the end.
 */
const DURATIONS: Record<string, number> = JSON.parse(readFileSync(new URL('./spec-durations.json', import.meta.url), 'utf8'));

/** A spec file no run has timed yet (new since the durations were written): early, after the known long ones. */
const UNKNOWN_SECONDS = 10;

/** Longest first, by vitest's cache when it has the file, else by the committed durations; a cached failure first of all. */
export class DurationSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const seconds = (spec: TestSpecification): number => {
      const cached = cache.getTestSpecificationResult(spec);
      if (cached?.failed) return Number.POSITIVE_INFINITY;
      if (cached) return cached.duration / 1000;
      return DURATIONS[relative(this.ctx.config.root, spec.moduleId)] ?? UNKNOWN_SECONDS;
    };
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}
