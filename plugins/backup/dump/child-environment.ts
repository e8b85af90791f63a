import type { ConnectionTarget } from './pg-tools';

/**
 * Inherited variables a PostgreSQL client tool may need, and nothing else: the tool runs beside
 * secrets it has no use for (COTTON_*, AWS_* of the copy targets, whatever else the service
 * manager set), so they are named in, never filtered out. Inherited PG* variables stay out too:
 * the connection is given in argv and below, and an inherited PGSERVICE or PGOPTIONS would
 * change it behind the configuration's back.
 */
const INHERITED = new Set(['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'LD_LIBRARY_PATH']);
const INHERITED_PREFIXES = ['LC_'];

export function inheritedEnvironment(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(from)) {
    if (value !== undefined && (INHERITED.has(name) || INHERITED_PREFIXES.some((p) => name.startsWith(p)))) env[name] = value;
  }
  return env;
}

/** The environment of a pg_dump/pg_restore child: the allowed inherited variables, and the password as PGPASSWORD (never argv). */
export function toolEnvironment(target: ConnectionTarget, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = inheritedEnvironment(from);
  if (target.password !== undefined) env.PGPASSWORD = target.password;
  env.PGCONNECT_TIMEOUT = '15';
  return env;
}
