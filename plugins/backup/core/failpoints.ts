/**
 * Crash points for the fault suite. Off unless COTTON_FAILPOINTS names them
 * (`name=exit` kills the process on the spot, as a power cut would; `name=throw` raises).
 * Tests set the variable on a child process; production never does.
 */
export type FailpointAction = 'exit' | 'throw';

let configured: Map<string, FailpointAction> | undefined;

function parse(): Map<string, FailpointAction> {
  const spec = process.env.COTTON_FAILPOINTS ?? '';
  const map = new Map<string, FailpointAction>();
  for (const entry of spec.split(',').filter(Boolean)) {
    const [name, action = 'exit'] = entry.split('=');
    if (name && (action === 'exit' || action === 'throw')) map.set(name, action);
  }
  return map;
}

export class FailpointError extends Error {
  constructor(name: string) {
    super(`failpoint ${name} triggered`);
    this.name = 'FailpointError';
  }
}

export async function failpoint(name: string): Promise<void> {
  configured ??= parse();
  const action = configured.get(name);
  if (action === undefined) return;
  if (action === 'throw') throw new FailpointError(name);
  process.kill(process.pid, 'SIGKILL');
  await new Promise(() => undefined); // never continue past a crash point
}

/** For tests in the same process. */
export function setFailpoints(spec: string | undefined): void {
  if (spec === undefined) delete process.env.COTTON_FAILPOINTS;
  else process.env.COTTON_FAILPOINTS = spec;
  configured = undefined;
}

/** The bytes in two pieces, with a crash point between them (a write stopped halfway). */
export async function* halves(bytes: Buffer, failpointName: string): AsyncGenerator<Buffer> {
  const half = Math.floor(bytes.length / 2);
  yield bytes.subarray(0, half);
  await failpoint(failpointName);
  yield bytes.subarray(half);
}
