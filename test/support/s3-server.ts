import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { S3Settings } from '../../src/storage/s3/s3-settings';

/** s3rver's one account: any other access key id is refused (it does not check SigV4 signatures). */
export const TEST_S3_ACCESS_KEY_ID = 'S3RVER';
export const TEST_S3_SECRET = 'S3RVER';

/**
 * A real S3 server for tests (s3rver, files under a temp folder) behind a small proxy on
 * 127.0.0.1 that can inject what s3rver never does: error answers (5xx, throttling) and a server
 * that goes away. Started per spec file, on free ports.
 */
export interface TestS3Server {
  /** The proxy's address, what clients use. */
  readonly endpoint: string;
  /** Answers the next `count` requests (matching `when`, default all) with `status` and an S3 error `code`, without forwarding them. */
  failNext(count: number, status: number, code: string, when?: (method: string, url: string) => boolean): void;
  /** Answers the next `count` matching requests with `status` and `body` (what s3rver cannot answer itself). */
  answerNext(count: number, status: number, body: string, when?: (method: string, url: string) => boolean): void;
  /** While down, every connection is cut at once (a stopped or unreachable server). */
  setDown(down: boolean): void;
  /** Requests forwarded or answered so far, as `METHOD path?query`. */
  readonly requests: string[];
  /** A fresh bucket with a unique name. */
  createBucket(prefix?: string): Promise<string>;
  /** Settings for a bucket of this server (path-style, the test account). */
  settings(bucket: string, overrides?: Partial<S3Settings>): S3Settings;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'cotton-s3rver-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const upstream = (await s3rver.run()) as AddressInfo;
  const faults: { count: number; status: number; body: string; when?: (method: string, url: string) => boolean }[] = [];
  let down = false;
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  const proxy: Server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    requests.push(`${method} ${url}`);
    const fault = faults.find((f) => f.count > 0 && (!f.when || f.when(method, url)));
    if (fault) {
      fault.count -= 1;
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/xml' });
      res.end(fault.body);
      return;
    }
    const forward = request({ host: '127.0.0.1', port: upstream.port, method, path: url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  proxy.on('connection', (socket) => {
    if (down) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  const server: TestS3Server = {
    endpoint,
    requests,
    failNext(count, status, code, when) {
      const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`;
      faults.push({ count, status, body, when });
    },
    answerNext(count, status, body, when) {
      faults.push({ count, status, body, when });
    },
    setDown(value) {
      down = value;
      if (value) for (const socket of sockets) socket.destroy();
    },
    async createBucket(prefix = 'cotton') {
      const bucket = `${prefix}-${randomBytes(6).toString('hex')}`;
      const client = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: TEST_S3_ACCESS_KEY_ID, secretAccessKey: TEST_S3_SECRET },
      });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      client.destroy();
      return bucket;
    },
    settings(bucket, overrides = {}) {
      return {
        endpoint,
        region: 'us-east-1',
        bucket,
        accessKeyId: TEST_S3_ACCESS_KEY_ID,
        secretAccessKey: TEST_S3_SECRET,
        forcePathStyle: true,
        prefix: '',
        names: {
          endpoint: 'COTTON_STORAGE_S3_ENDPOINT',
          region: 'COTTON_STORAGE_S3_REGION',
          bucket: 'COTTON_STORAGE_S3_BUCKET',
          accessKeyId: 'COTTON_STORAGE_S3_ACCESS_KEY_ID',
          secretAccessKey: 'COTTON_STORAGE_S3_SECRET_ACCESS_KEY',
        },
        ...overrides,
      };
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
  return server;
}
