import { isAbsolute, normalize } from 'node:path';
import { z } from 'zod';

/**
 * Copy targets (issue 13): repositories we own, off the box, each with Cotton's layout and CTN2
 * under the master key. `COTTON_BACKUP_COPIES` lists them, comma-separated, each
 * `[name=]file:///absolute/path` or `[name=]s3://bucket[/prefix]`; a target without a name is
 * named by its URL (a stable name: events and the projection key on it). S3 targets take their
 * endpoint, region and credentials from the AWS SDK's standard variables.
 */
export type CopyTarget =
  | { name: string; kind: 'folder'; url: string; path: string }
  | { name: string; kind: 's3'; url: string; bucket: string; prefix: string };

export interface AwsEnvironment {
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface CopySettings {
  targets: CopyTarget[];
  aws: AwsEnvironment;
  /** Objects in flight per target at most. */
  concurrency: number;
  /** Attempts of one copy (retries included) before CopyFailed. */
  attempts: number;
  /** Admins are told when a target has had no successful copy for longer than this (ms). */
  alertAfterMs: number;
  /** A prune never deletes an object younger than this (ms): it may belong to a copy in flight. */
  pruneGraceMs: number;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_SEGMENT = /^[A-Za-z0-9._-]+$/;
const HOURS = /^(\d{1,5})h$/;

/** Parses one entry; returns the problem in words (never a value beyond the URL's own text). */
export function parseCopyTarget(entry: string): CopyTarget | string {
  const eq = entry.indexOf('=');
  const named = eq > 0 && !entry.slice(0, eq).includes(':');
  const name = named ? entry.slice(0, eq) : undefined;
  const url = named ? entry.slice(eq + 1) : entry;
  // Credentials never go in the URL (they come from the AWS variables): one put there is not echoed.
  if (/^[a-z0-9]+:\/\/[^/]*@/i.test(url)) return `${url.replace(/\/\/[^/]*@/, '//***@')}: no credentials in the URL (S3 targets take AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)`;
  if (name !== undefined && !NAME.test(name)) return `target name "${name}": expected lowercase letters, digits, "-" or "_" (at most 40)`;
  if (url.startsWith('file://')) {
    const path = decodeURIComponent(url.slice('file://'.length));
    if (!isAbsolute(path) || path.includes('\0')) return `${url}: expected file:///absolute/path`;
    const clean = normalize(path).replace(/(.)\/+$/, '$1');
    return { name: name ?? `file://${clean}`, kind: 'folder', url: `file://${clean}`, path: clean };
  }
  if (url.startsWith('s3://')) {
    const [bucket = '', ...segments] = url.slice('s3://'.length).split('/').filter((s, i) => i === 0 || s !== '');
    if (!BUCKET.test(bucket)) return `${url}: expected s3://bucket[/prefix] with an S3 bucket name`;
    if (segments.some((s) => !PREFIX_SEGMENT.test(s))) return `${url}: the prefix takes folder names of letters, digits, ".", "_" and "-"`;
    const prefix = segments.map((s) => `${s}/`).join('');
    const clean = `s3://${bucket}${prefix ? `/${prefix.slice(0, -1)}` : ''}`;
    return { name: name ?? clean, kind: 's3', url: clean, bucket, prefix };
  }
  return `${url}: expected a file:///absolute/path or s3://bucket[/prefix] URL`;
}

const hours = z.string().regex(HOURS, 'a number of hours such as 48h').transform((v) => Number(HOURS.exec(v)![1]) * 3_600_000);

/** The copy variables, joined into the host's environment schema (src/config/config.ts). */
export const copiesEnvironmentSchema = {
  COTTON_BACKUP_COPIES: z
    .string()
    .superRefine((value, ctx) => {
      const seen = new Set<string>();
      for (const entry of value.split(',').map((s) => s.trim())) {
        const parsed = parseCopyTarget(entry);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
        else if (seen.has(parsed.name)) ctx.addIssue({ code: 'custom', message: `target ${parsed.name} listed twice` });
        else seen.add(parsed.name);
      }
    })
    .optional(),
  COTTON_BACKUP_COPY_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  COTTON_BACKUP_COPY_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  COTTON_BACKUP_COPY_ALERT_AFTER: hours.default(48 * 3_600_000),
  COTTON_BACKUP_COPY_PRUNE_GRACE: hours.default(24 * 3_600_000),
  AWS_ENDPOINT_URL_S3: z.url({ protocol: /^https?$/ }).optional(),
  AWS_ENDPOINT_URL: z.url({ protocol: /^https?$/ }).optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
};

type CopiesEnvironment = z.infer<z.ZodObject<typeof copiesEnvironmentSchema>>;

/** The settings, and every problem that only shows with the rest of the configuration (names each target). */
export function copySettingsFrom(e: CopiesEnvironment): CopySettings {
  const targets = (e.COTTON_BACKUP_COPIES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => parseCopyTarget(entry) as CopyTarget);
  return {
    targets,
    aws: {
      endpoint: e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL,
      region: e.AWS_REGION,
      accessKeyId: e.AWS_ACCESS_KEY_ID,
      secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
    },
    concurrency: e.COTTON_BACKUP_COPY_CONCURRENCY,
    attempts: e.COTTON_BACKUP_COPY_ATTEMPTS,
    alertAfterMs: e.COTTON_BACKUP_COPY_ALERT_AFTER,
    pruneGraceMs: e.COTTON_BACKUP_COPY_PRUNE_GRACE,
  };
}
