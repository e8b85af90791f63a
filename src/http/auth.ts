import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors';
import { answeredCode } from './rejections';

/** The single 401 body: the same whether the header is missing, wrong, or no token is configured. */
export const UNAUTHORIZED_BODY = errorBody('unauthorized', 'Authentication required.');

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * True when the Authorization header carries `Bearer <expected>`. Both sides are hashed first so
 * the constant-time comparison runs over equal lengths and the token's length does not leak.
 * No configured token means no one is admitted.
 */
export function bearerMatches(header: string | undefined, expected: string | undefined): boolean {
  const configured = expected !== undefined && expected.length > 0;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  const presented = match?.[1] ?? '';
  // Compare even when it cannot succeed, so the time taken says nothing about why it failed.
  const equal = timingSafeEqual(digest(presented), digest(configured ? expected : '\0no token configured'));
  return configured && match !== null && equal;
}

/** A fastify onRequest hook guarding admin routes. */
export function adminAuthHook(adminToken: string | undefined) {
  return async function requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (bearerMatches(request.headers.authorization, adminToken)) return;
    answeredCode(request, 'unauthorized');
    await reply.code(401).header('www-authenticate', 'Bearer').send(UNAUTHORIZED_BODY);
  };
}
