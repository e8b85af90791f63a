import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger';
import { HttpServer } from './server';

const TOKEN = 'an-admin-token-of-some-length';

/** A plugin error family's 5xx (CodedFailure), as the backup plugin throws them. */
class StorageDown extends Error {
  readonly code = 'STORAGE_UNAVAILABLE';
  readonly exitCode = 3;
  readonly httpStatus = 503;
}

/** A browser must never sniff an answer into HTML: every one says nosniff, errors included (real HTTP, not inject). */
// Kills the revert of issue 27 point 14b (test/mutation/hardening-reverts.ts).
describe('X-Content-Type-Options: nosniff on every answer', () => {
  const s = new HttpServer({ logger: createLogger({ level: 'silent' }), adminToken: TOKEN, version: '9.9.9', clock: { now: () => new Date() } });
  s.routes.admin({ method: 'GET', url: '/admin/ping', handler: async () => ({ pong: true }) });
  s.routes.admin({ method: 'POST', url: '/admin/echo', handler: async (request) => ({ got: request.body }) });
  s.routes.admin({ method: 'GET', url: '/admin/boom', handler: async () => { throw new Error('internal detail'); } });
  s.routes.admin({ method: 'GET', url: '/admin/down', handler: async () => { throw new StorageDown('storage is down'); } });
  s.routes.admin({ method: 'GET', url: '/admin/text', handler: async (_request, reply) => reply.type('text/plain').send('<html>') });
  beforeAll(() => s.listen('127.0.0.1', 0));
  afterAll(() => s.close());

  const admin = { authorization: `Bearer ${TOKEN}` };
  const json = { ...admin, 'content-type': 'application/json' };
  const cases: [string, string, RequestInit, number][] = [
    ['public JSON', '/health', {}, 200],
    ['admin JSON', '/admin/ping', { headers: admin }, 200],
    ['no token', '/admin/ping', {}, 401],
    ['wrong token', '/admin/ping', { headers: { authorization: 'Bearer wrong-token-wrong-token' } }, 401],
    ['unknown route', '/admin/nope', { headers: admin }, 404],
    ['bad JSON', '/admin/echo', { method: 'POST', headers: json, body: '{"a": ' }, 400],
    ['body too large', '/admin/echo', { method: 'POST', headers: json, body: JSON.stringify({ a: 'x'.repeat(70_000) }) }, 413],
    ['unsupported media type', '/admin/echo', { method: 'POST', headers: { ...admin, 'content-type': 'application/x-what' }, body: 'x' }, 415],
    ['a route that throws', '/admin/boom', { headers: admin }, 500],
    ["a plugin's 5xx", '/admin/down', { headers: admin }, 503],
    ['a route answering text', '/admin/text', { headers: admin }, 200],
  ];
  it.each(cases)('%s', async (_what, path, init, status) => {
    const res = await fetch(`${s.url}${path}`, init);
    await res.arrayBuffer();
    expect(res.status).toBe(status);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('the answer to a request Node could not parse', async () => {
    const { port } = s.address!;
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = connect(port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('data', (d) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/i);
  });
});
