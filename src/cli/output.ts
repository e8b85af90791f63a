import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Streams command output to stdout, through `through` if given. Resolves false when the reader
 * went away first (EPIPE: `… | head -1`), which is no failure of the command: it stops quietly,
 * as Unix tools do, without a stack trace.
 */
export async function writeOutput(
  stdout: NodeJS.WritableStream,
  source: Readable | AsyncIterable<string | Buffer>,
  ...through: Duplex[]
): Promise<boolean> {
  try {
    const [next, ...rest] = [...through, stdout];
    await pipeline(source instanceof Readable ? source : Readable.from(source), next!, ...rest, { end: false });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return false;
    throw error;
  }
}

const tolerant = new WeakSet<NodeJS.WritableStream>();

/**
 * For every command: stdout closed by its reader (EPIPE, then writes to the destroyed stream) is
 * not a crash with a stack trace; the command finishes its work unheard. Attached once per stream
 * and left in place: the stream reports the error on a later tick, possibly after the command.
 */
export function tolerateClosedOutput(stdout: NodeJS.WritableStream): void {
  if (tolerant.has(stdout)) return;
  tolerant.add(stdout);
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error; // as if no listener were attached
  });
}

/** `--json` anywhere on the command line: the output, and an error, are JSON (docs/cli-json.md). */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/**
 * A value as every command's `--json` prints it: keys in camelCase (SQL rows come snake_case),
 * bigints and the `numeric` keys' digit strings (PostgreSQL's bigint columns) as numbers, dates
 * as ISO strings. Keys that are data rather than names (an event's payload) are left alone when
 * listed in `opaque`.
 */
export function toCliJson(value: unknown, options: { numeric?: readonly string[]; opaque?: readonly string[] } = {}): unknown {
  const numeric = new Set(options.numeric ?? []);
  const opaque = new Set(options.opaque ?? []);
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && key !== undefined && numeric.has(key) && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
    if (key !== undefined && opaque.has(key)) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), walk(x, k)]));
  };
  return walk(value);
}

/** `--json` output: one JSON document on stdout, through toCliJson. */
export function writeJsonDocument(stdout: NodeJS.WritableStream, value: unknown, options?: Parameters<typeof toCliJson>[1]): void {
  stdout.write(`${JSON.stringify(toCliJson(value, options), null, 2)}\n`);
}

/**
 * Colour only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org);
 * FORCE_COLOR is left to commander, which reads it itself.
 */
export function colourAllowed(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return (stream as Partial<NodeJS.WriteStream>).isTTY === true;
}
