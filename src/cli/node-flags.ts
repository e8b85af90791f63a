/**
 * The Node options every process of ours runs with: bin/cotton-backup.js's shebang and `npm start`
 * carry them (compiled-bin.unit.spec.ts checks both against this list), and so do the benchmark's
 * workers and the fault suite's processes, so that they measure what operators run. They keep a
 * backup or restore within 200 MB of RSS (issue 12) whatever the dump size; each figure below is
 * from runs on the same machine, peak RSS, in the same time with and without the options.
 *
 * --max-semi-space-size=2 caps V8's young generation at 2 MiB per semi-space. Left alone it grows
 * to 16 MiB or more (64 MiB of pages seen in an S3 backup) whenever much of what was allocated is
 * still alive at a scavenge, as while the AWS SDK loads and while requests are in flight: a 300MB
 * backup to S3 peaked at 182-220 MiB, its restore at 173-201 MiB; capped, 145-170 and 151-153 MiB.
 *
 * --heap-growing-percent=50 starts a full collection once the old generation has grown by half
 * since the last (V8 lets it grow up to fourfold in a small heap). A small young generation
 * promotes the Buffers of chunks still in flight, and their memory (outside the heap) returns only
 * with a full collection: at 1.5GB a backup to S3 still peaked at 187-229 MiB with the first option
 * alone, 141-144 MiB with both (the folder's backup 122-142 MiB either way).
 *
 * Node refuses --heap-growing-percent in NODE_OPTIONS: a process started some other way must be
 * given both on node's own command line.
 */
export const NODE_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=50'] as const;

/** The NODE_FLAGS options this process was started without (on its command line or in NODE_OPTIONS). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)]);
  return NODE_FLAGS.filter((flag) => !given.has(flag));
}
