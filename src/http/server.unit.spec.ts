import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger';
import { bearerMatches, UNAUTHORIZED_BODY } from './auth';
import { HttpServer } from './server';
import type { HttpRejection } from '../contract/services';

const TOKEN = 'an-admin-token-of-some-length';
const servers: HttpServer[] = [];

function server(adminToken?: string): HttpServer {
  const s = new HttpServer({ logger: createLogger({ level: 'silent' }), adminToken, version: '9.9.9', clock: { now: () => new Date() } });
  s.routes.admin({ method: 'GET', url: '/admin/ping', handler: async () => ({ pong: true }) });
  s.routes.admin({ method: 'POST', url: '/admin/echo', handler: async (request) => ({ got: request.body }) });
  s.routes.public({ method: 'POST', url: '/echo', handler: async (request) => ({ got: request.body }) });
  s.routes.public({ method: 'GET', url: '/boom', handler: async () => { throw new Error(`internal detail ${TOKEN}`); } });
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('bearerMatches', () => {
  it('admits only the exact configured token', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(bearerMatches(TOKEN, TOKEN)).toBe(false);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
    expect(bearerMatches('Bearer ', undefined)).toBe(false);
    expect(bearerMatches(`Bearer ${TOKEN}`, undefined)).toBe(false);
    expect(bearerMatches('Bearer \0no token configured', undefined)).toBe(false);
  });
});

describe('HttpServer', () => {
  it('serves /health publicly without secrets', async () => {
    const res = await server(TOKEN).app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', version: '9.9.9' });
    expect(typeof res.json().uptimeSeconds).toBe('number');
    expect(res.body).not.toContain(TOKEN);
  });

  it('closes admin routes when no token is configured', async () => {
    const s = server(undefined);
    for (const authorization of [undefined, 'Bearer ', 'Bearer anything-at-all-here', `Bearer ${TOKEN}`]) {
      const res = await s.app.inject({ method: 'GET', url: '/admin/ping', headers: authorization ? { authorization } : {} });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(UNAUTHORIZED_BODY);
    }
  });

  it('answers 401 with one identical body for missing and wrong tokens, 200 for the right one', async () => {
    const s = server(TOKEN);
    const missing = await s.app.inject({ method: 'GET', url: '/admin/ping' });
    const wrong = await s.app.inject({ method: 'GET', url: '/admin/ping', headers: { authorization: 'Bearer wrong-token-wrong-token' } });
    const basic = await s.app.inject({ method: 'GET', url: '/admin/ping', headers: { authorization: `Basic ${TOKEN}` } });
    for (const res of [missing, wrong, basic]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toBe(missing.body);
    }
    expect(missing.json()).toEqual(UNAUTHORIZED_BODY);
    const right = await s.app.inject({ method: 'GET', url: '/admin/ping', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.statusCode).toBe(200);
    expect(right.json()).toEqual({ pong: true });
  });

  it('checks auth before reading an admin body', async () => {
    const res = await server(TOKEN).app.inject({
      method: 'POST',
      url: '/admin/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(res.statusCode).toBe(401);
  });

  it('answers JSON 404, 400 for bad JSON, 413 for oversized bodies, 500 without details', async () => {
    const s = server(TOKEN);
    const notFound = await s.app.inject({ method: 'GET', url: '/nope?secret=1' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json()).toEqual({ error: { code: 'not_found', message: 'No route for GET /nope.' } });

    const bad = await s.app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a": ' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_json');
    expect(bad.json().error.message).toMatch(/not valid JSON/);

    const empty = await s.app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('invalid_json');

    const big = await s.app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ a: 'x'.repeat(70 * 1024) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('body_too_large');

    const ok = await s.app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(ok.json()).toEqual({ got: { a: 1 } });

    const boom = await s.app.inject({ method: 'GET', url: '/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({ error: { code: 'internal_error', message: 'Internal server error.' } });
  });

  it('listens on a real port and refuses routes added afterwards', async () => {
    const s = server(TOKEN);
    const address = await s.listen('127.0.0.1', 0);
    expect(address.port).toBeGreaterThan(0);
    const health = await fetch(`${s.url}/health`);
    expect(health.status).toBe(200);
    const denied = await fetch(`${s.url}/admin/ping`, { headers: { authorization: 'Bearer nope' } });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual(UNAUTHORIZED_BODY);
    const allowed = await fetch(`${s.url}/admin/ping`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await allowed.json()).toEqual({ pong: true });
    expect(() => s.routes.public({ method: 'GET', url: '/late', handler: async () => 'x' })).toThrow(/after the HTTP server started/);
  });

  it('answers oversized headers 431 in the one error shape, and tells rejection listeners', async () => {
    const s = server(TOKEN);
    const heard: HttpRejection[] = [];
    s.routes.onRejected((r) => heard.push(r));
    await s.listen('127.0.0.1', 0);
    const res = await fetch(`${s.url}/health`, { headers: { 'x-filler': 'f'.repeat(32 * 1024) } });
    expect(res.status).toBe(431);
    expect(await res.json()).toEqual({ error: { code: 'headers_too_large', message: 'Request headers are larger than the server accepts.' } });
    expect(heard).toMatchObject([{ status: 431, reason: 'headers_too_large' }]);
  });

  it('tells rejection listeners of every 4xx — bad tokens, bad JSON, unknown paths — never of successes, never with headers', async () => {
    const s = server(TOKEN);
    const heard: HttpRejection[] = [];
    s.routes.onRejected((r) => heard.push(r));
    await s.app.inject({ method: 'GET', url: '/admin/ping', headers: { authorization: 'Bearer not-the-token-at-all' } });
    await s.app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a": ' });
    await s.app.inject({ method: 'GET', url: '/nope' });
    await s.app.inject({ method: 'GET', url: '/admin/ping', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(heard.map((r) => [r.status, r.reason.split(':')[0], r.route])).toEqual([
      [401, 'unauthorized', '/admin/ping'],
      [400, 'invalid_json', '/echo'],
      [404, 'not_found', undefined],
    ]);
    expect(JSON.stringify(heard)).not.toContain('not-the-token-at-all');
  });
});
