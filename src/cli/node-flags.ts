/**
 * The Node options every process of ours runs with: bin/cotton-backup.js's shebang and `npm start`
 * carry them (compiled-bin.unit.spec.ts checks both against this list), and so do the benchmark's
 * workers and the fault suite's processes, so that they measure what operators run.
 *
 * --max-semi-space-size=2 caps V8's young generation at 2 MiB per semi-space. Left alone it grows
 * to 16 MiB or more (64 MiB of pages seen in an S3 backup) whenever much of what was allocated is
 * still alive at a scavenge, as while the AWS SDK loads and while requests are in flight. At 300MB
 * that put the peak RSS of a backup to S3 at 182-220 MiB and of its restore at 173-201 MiB, over
 * the 200 MB budget of issue 12; capped, 145-170 and 151-153 MiB in the same time. The folder's
 * backup and restore took the same time either way.
 */
export const NODE_FLAGS = ['--max-semi-space-size=2'] as const;

/** True when this process runs with every NODE_FLAGS option (on its command line or in NODE_OPTIONS). */
export function hasNodeFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)]);
  return NODE_FLAGS.every((flag) => given.has(flag));
}
