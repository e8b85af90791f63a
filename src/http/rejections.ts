import type { FastifyRequest } from 'fastify';
import type { HttpRejection } from '../contract/services';

const codes = new WeakMap<FastifyRequest, string>();

/** Remembers the error code a request was answered with, for the rejection report. */
export function answeredCode(request: FastifyRequest, code: string, message?: string): void {
  codes.set(request, message ? `${code}: ${message}` : code);
}

const SAMPLE_CHARS = 200;

/** What listeners hear of a rejected request: never headers (the token travels there). */
export function rejectionOf(request: FastifyRequest, status: number): HttpRejection {
  const path = request.url.split('?')[0] ?? request.url;
  const body = request.body;
  const text = body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const length = Number(request.headers['content-length'] ?? Buffer.byteLength(text));
  return {
    method: request.method,
    path,
    status,
    reason: codes.get(request) ?? `http_${status}`,
    sample: (text || path).slice(0, SAMPLE_CHARS),
    sizeBytes: Number.isFinite(length) ? length : 0,
    ...(request.is404 ? {} : { route: request.routeOptions.url }),
    presentedCredentials: request.headers.authorization !== undefined,
  };
}
