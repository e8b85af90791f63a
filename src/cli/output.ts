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
