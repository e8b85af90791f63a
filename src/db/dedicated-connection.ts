import type { Pool, PoolClient } from 'pg';

export interface Held {
  /** Aborted when the session is lost (server restart, terminated backend): what it held went with it. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface HoldOptions {
  /** The abort reason of `lost`, from the connection's error; default the error itself. */
  lostError?: (cause: Error) => Error;
}

/**
 * Takes a connection of its own for something a session holds (an advisory lock): `acquire` runs
 * on it, and `release()` runs `letGo` and returns the connection. A connection that fails is
 * discarded, which ends its session and whatever the session held; `lost` says so at once. The
 * error listener is what keeps a broken checked-out connection from crashing the process (the
 * pool only listens to idle ones).
 */
export async function holdOnDedicatedConnection(
  pool: Pool,
  acquire: (client: PoolClient) => Promise<void>,
  letGo: (client: PoolClient) => Promise<unknown>,
  options: HoldOptions = {},
): Promise<Held> {
  const client = await pool.connect();
  const lost = new AbortController();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
    lost.abort(options.lostError ? options.lostError(error) : error);
  };
  client.on('error', onError);
  try {
    await acquire(client);
  } catch (error) {
    client.off('error', onError);
    client.release(broken);
    throw error;
  }
  let released = false;
  return {
    lost: lost.signal,
    async release() {
      if (released) return;
      released = true;
      try {
        if (broken) throw broken;
        await letGo(client);
        client.off('error', onError);
        client.release();
      } catch (error) {
        client.off('error', onError);
        client.release(error as Error);
      }
    },
  };
}
