import { z } from 'zod';

/**
 * A webhook beside Cotton's bell (issue 23): every admin notice is also POSTed as JSON to
 * COTTON_BACKUP_WEBHOOK_URL, signed with COTTON_BACKUP_WEBHOOK_SECRET when set. The URL may
 * carry a token (userinfo, query): it is never logged, only its origin.
 */
const webhookUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return void ctx.addIssue({ code: 'custom', message: 'an http:// or https:// URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'an http:// or https:// URL' });
});

export const webhookEnvironmentSchema = {
  COTTON_BACKUP_WEBHOOK_URL: webhookUrl.optional(),
  // At least 16 characters: an HMAC key shorter than that is guessable offline from one signed body.
  COTTON_BACKUP_WEBHOOK_SECRET: z.string().min(16).max(512).optional(),
  COTTON_BACKUP_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
};

export interface WebhookSettings {
  url: string;
  secret?: string;
  /** Attempts of one delivery (retries included) before it is given up. */
  attempts: number;
}

type WebhookEnvironment = z.infer<z.ZodObject<typeof webhookEnvironmentSchema>>;

/** Undefined: no webhook configured. */
export function webhookSettingsFrom(e: WebhookEnvironment): WebhookSettings | undefined {
  if (!e.COTTON_BACKUP_WEBHOOK_URL) return undefined;
  return { url: e.COTTON_BACKUP_WEBHOOK_URL, secret: e.COTTON_BACKUP_WEBHOOK_SECRET, attempts: e.COTTON_BACKUP_WEBHOOK_ATTEMPTS };
}
