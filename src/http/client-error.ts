import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpRejection } from '../contract/services';
import { errorBody } from './errors';

/** What Node's parser refuses before fastify sees a request, in our one error shape. */
function describeClientError(code: string | undefined): { status: number; code: string; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'headers_too_large', message: 'Request headers are larger than the server accepts.' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'request_timeout', message: 'The request was not received in time.' };
  return { status: 400, code: 'bad_request', message: 'The request could not be parsed as HTTP.' };
}

/**
 * fastify's `clientErrorHandler`: answers `{ error: { code, message } }` like every other response
 * (fastify's default body has another shape) and tells rejection listeners, which never see these
 * requests otherwise. Nothing of the request is echoed: it could not even be parsed.
 */
export function clientErrorHandler(onRejected: (rejection: HttpRejection) => void) {
  return function handle(error: Error & { code?: string }, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const { status, code, message } = describeClientError(error.code);
    const body = JSON.stringify(errorBody(code, message));
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
    onRejected({ method: '-', path: '-', status, reason: code, sample: '', sizeBytes: 0 });
  };
}
