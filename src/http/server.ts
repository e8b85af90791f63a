import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type RouteOptions } from 'fastify';
import type { Logger } from '../logging/logger';
import type { Clock, HttpRejection, RouteRegistrar } from '../contract/services';
import { adminAuthHook } from './auth';
import { answeredCode, rejectionOf } from './rejections';
import { clientErrorHandler } from './client-error';
import { errorBody, HttpError } from './errors';
import { isCodedFailure } from '../contract/coded-failure';

export const DEFAULT_BODY_LIMIT = 64 * 1024;

export interface HttpServerOptions {
  logger: Logger;
  /** COTTON_ADMIN_TOKEN; without one every admin route answers 401. */
  adminToken?: string;
  version: string;
  clock: Clock;
  /** Maximum request body in bytes (default 64 KiB); larger bodies get 413. */
  bodyLimit?: number;
}

/**
 * The host's fastify server: `GET /health` (public), plugin routes through `routes`
 * (admin ones behind the bearer token), JSON errors everywhere.
 * Routes must be added before listen(): fastify freezes its router when it starts.
 */
export class HttpServer {
  readonly app: FastifyInstance;
  readonly routes: RouteRegistrar;
  readonly #startedAt: number;
  #listening = false;

  constructor(options: HttpServerOptions) {
    this.#startedAt = options.clock.now().getTime();
    const rejectionListeners: ((rejection: HttpRejection) => void)[] = [];
    const tellRejected = (rejection: HttpRejection, log: FastifyBaseLogger): void => {
      for (const listener of rejectionListeners) {
        try {
          listener(rejection);
        } catch (error) {
          log.error({ err: error }, 'a rejection listener failed');
        }
      }
    };
    this.app = Fastify({
      loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
      return503OnClosing: true,
      forceCloseConnections: 'idle',
      clientErrorHandler: clientErrorHandler((rejection) => tellRejected(rejection, this.app.log)),
    });
    // Every answer, whoever writes it (routes, errors, 401, 404, fastify's own 503 while closing):
    // set on Node's response before fastify sees the request, so no path can miss it.
    this.app.server.prependListener('request', (_request, response) => response.setHeader('x-content-type-options', 'nosniff'));
    this.app.setNotFoundHandler(async (request, reply) => {
      const path = request.url.split('?')[0];
      answeredCode(request, 'not_found');
      await reply.code(404).send(errorBody('not_found', `No route for ${request.method} ${path}.`));
    });
    this.app.setErrorHandler(async (error: FastifyError, request, reply) => {
      const { status, code, message } = describeError(error);
      if (status >= 500) request.log.error({ err: error, url: request.url.split('?')[0] }, 'request failed');
      else request.log.debug({ code, url: request.url.split('?')[0] }, 'request rejected');
      answeredCode(request, code, message);
      await reply.code(status).send(errorBody(code, message));
    });
    this.app.addHook('onResponse', async (request, reply) => {
      request.log.debug({ method: request.method, url: request.url.split('?')[0], status: reply.statusCode }, 'request');
      if (reply.statusCode < 400 || reply.statusCode >= 500 || rejectionListeners.length === 0) return;
      tellRejected(rejectionOf(request, reply.statusCode), request.log);
    });

    const requireAdmin = adminAuthHook(options.adminToken);
    const add = (route: RouteOptions, admin: boolean): void => {
      if (this.#listening) throw new Error(`route ${route.method} ${route.url} added after the HTTP server started; add routes in register() or start()`);
      const onRequest = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      this.app.route(admin ? { ...route, onRequest: [requireAdmin, ...onRequest] } : route);
    };
    this.routes = {
      admin: (route) => add(route, true),
      public: (route) => add(route, false),
      onRejected: (listener) => void rejectionListeners.push(listener),
    };

    this.routes.public({
      method: 'GET',
      url: '/health',
      handler: async () => ({
        status: 'ok',
        version: options.version,
        uptimeSeconds: Math.max(0, Math.round((options.clock.now().getTime() - this.#startedAt) / 1000)),
      }),
    });
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    this.#listening = true;
    await this.app.listen({ host, port });
    return this.address!;
  }

  /** The bound address once listening (port 0 resolved), else undefined. */
  get address(): AddressInfo | undefined {
    const a = this.app.server.address();
    return a !== null && typeof a === 'object' ? a : undefined;
  }

  get url(): string | undefined {
    const a = this.address;
    if (!a) return undefined;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  /** Stops accepting connections and waits for in-flight requests. */
  async close(): Promise<void> {
    await this.app.close();
  }
}

function describeError(error: FastifyError): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.statusCode, code: error.code, message: error.message };
  // A plugin's error family answers with its own status and code; a 5xx never shows its message.
  if (isCodedFailure(error)) {
    if (error.httpStatus < 500) return { status: error.httpStatus, code: error.code.toLowerCase(), message: error.message };
    return { status: error.httpStatus, code: error.code.toLowerCase(), message: 'The operation could not complete; see the server log.' };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'body_too_large', message: 'Request body is larger than the server accepts.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'invalid_json', message: 'Request body is empty but Content-Type is application/json.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'unsupported_media_type', message: 'Unsupported Content-Type; send application/json.' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'invalid_content_length', message: 'Content-Length does not match the body.' };
    default:
      break;
  }
  if (error.validation) return { status: 400, code: 'invalid_request', message: error.message };
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  if (status === 400 && (error instanceof SyntaxError || /JSON/i.test(error.message))) {
    return { status, code: 'invalid_json', message: `Request body is not valid JSON: ${error.message}` };
  }
  if (status < 500) return { status, code: (error.code ?? 'bad_request').toLowerCase(), message: error.message };
  return { status: 500, code: 'internal_error', message: 'Internal server error.' };
}
