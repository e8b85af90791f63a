import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import { ConfigError } from './config';

/**
 * Proves at start, before anything else runs, that the admin API will be able to listen: the host
 * resolves and the address/port can be bound here (a name that does not resolve, an address of
 * another machine, a port already taken). Found only at the end of the start, after migrations,
 * pg-boss and every plugin, it used to fail the start late, without naming the variable.
 */
export async function checkHttpAddress(host: string, port: number): Promise<void> {
  try {
    await lookup(host);
  } catch (error) {
    throw new ConfigError([`COTTON_HTTP_HOST: "${host}" does not resolve to an address (${codeOf(error)})`]);
  }
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (error) {
    const code = codeOf(error);
    throw new ConfigError([
      code === 'EADDRINUSE'
        ? `COTTON_HTTP_PORT: port ${port} on ${host} is already in use`
        : `COTTON_HTTP_HOST: cannot listen on "${host}" port ${port} (${code}); is it an address of this machine?`,
    ]);
  } finally {
    if (probe.listening) await new Promise((resolve) => probe.close(resolve));
  }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
