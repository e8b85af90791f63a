import type { HostConfig } from './config';

/** The secret values of a configuration, for redaction. Short values are skipped: they would mask ordinary words. */
export function secretValues(config: Pick<HostConfig, 'database' | 'masterKey' | 'http'>): string[] {
  return [config.database.password, config.masterKey, config.http.adminToken].filter(
    (v): v is string => typeof v === 'string' && v.length >= 4,
  );
}

/** Replaces every occurrence of a secret value with [REDACTED]. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[REDACTED]');
  return out;
}
