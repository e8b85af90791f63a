import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
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
 * 127.0.0.1 that can inject what s3rver never does: error answers (5xx, throttling), requests
 * left unanswered, and a server that goes away. The proxy also answers the two multipart calls
 * s3rver lacks, from s3rver's own record of the uploads in progress (its folder): listing them
 * (ListMultipartUploads) and aborting one (AbortMultipartUpload). Started per spec file, on free ports.
 */
export interface TestS3Server {
  /** The proxy's address, what clients use. */
  readonly endpoint: string;
  /** Answers the next `count` requests (matching `when`, default all) with `status` and an S3 error `code`, without forwarding them. */
  failNext(count: number, status: number, code: string, when?: (method: string, url: string) => boolean): void;
  /** Answers the next `count` matching requests with `status` and `body` (what s3rver cannot answer itself). */
  answerNext(count: number, status: number, body: string, when?: (method: string, url: string) => boolean): void;
  /**
   * Reads the next `count` matching requests and never answers them (a server stuck mid-request);
   * resolves when the first one has arrived. The client's own timeout, or its death, ends them.
   */
  stallNext(count: number, when: (method: string, url: string) => boolean): Promise<string>;
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
  const stalls: { count: number; when: (method: string, url: string) => boolean; arrived: (url: string) => void }[] = [];
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
    const stall = stalls.find((f) => f.count > 0 && f.when(method, url));
    if (stall) {
      stall.count -= 1;
      req.resume();
      stall.arrived(url);
      return;
    }
    const multipart = answerMultipart(directory, method, url);
    if (multipart) {
      req.resume();
      void multipart.then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end(body);
      });
      return;
    }
    const send = (body?: Buffer) => {
      const forward = request({ host: '127.0.0.1', port: upstream.port, method, path: url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      if (body) {
        // A body held whole goes to s3rver whole, whatever happens to the client after: cut
        // short, s3rver would store the part that arrived (S3 stores a whole body or nothing).
        forward.end(body);
        return;
      }
      // A client that dies mid-request (a killed writer) must not leave s3rver waiting for the rest
      // of the body: that connection would hold s3rver's close() forever.
      res.on('close', () => {
        if (!res.writableFinished) forward.destroy();
      });
      req.pipe(forward);
    };
    if (method === 'PUT') {
      // S3 stores a PUT (an object or a part) whole or not at all; s3rver keeps what arrived of a
      // body cut short. So a body is held here until it is complete, and dropped if the client dies first.
      const pieces: Buffer[] = [];
      req.on('data', (piece: Buffer) => pieces.push(piece));
      req.on('end', () => send(Buffer.concat(pieces)));
      req.on('error', () => res.destroy());
      return;
    }
    send();
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
    stallNext(count, when) {
      return new Promise((arrived) => stalls.push({ count, when, arrived }));
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

/** s3rver keeps an upload in progress as `<directory>/<bucket>/._S3rver_uploads/<uploadId>/` (its key in `key`). */
const uploadsFolder = (directory: string, bucket: string) => join(directory, bucket, '._S3rver_uploads');

/**
 * ListMultipartUploads (GET /<bucket>?uploads) and AbortMultipartUpload (DELETE /<bucket>/<key>?uploadId=),
 * which s3rver answers with NotImplemented / MethodNotAllowed, played from s3rver's folder; undefined for any other request.
 */
function answerMultipart(directory: string, method: string, url: string): Promise<{ status: number; body: string }> | undefined {
  const parsed = new URL(url, 'http://s3');
  const [bucket, ...keyParts] = parsed.pathname.slice(1).replace(/\/$/, '').split('/');
  if (!bucket || bucket.includes('..')) return undefined;
  const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>${body}`;
  if (method === 'GET' && keyParts.length === 0 && parsed.searchParams.has('uploads')) {
    return (async () => {
      const prefix = parsed.searchParams.get('prefix') ?? '';
      const entries: string[] = [];
      for (const id of await readdir(uploadsFolder(directory, bucket)).catch(() => [] as string[])) {
        const keyFile = join(uploadsFolder(directory, bucket), id, 'key');
        const key = await readFile(keyFile, 'utf8').catch(() => undefined);
        if (key === undefined || !key.startsWith(prefix)) continue;
        const initiated = (await stat(keyFile)).mtime.toISOString();
        entries.push(`<Upload><Key>${escapeXml(key)}</Key><UploadId>${id}</UploadId><Initiated>${initiated}</Initiated></Upload>`);
      }
      return { status: 200, body: xml(`<ListMultipartUploadsResult><Bucket>${escapeXml(bucket)}</Bucket><IsTruncated>false</IsTruncated>${entries.join('')}</ListMultipartUploadsResult>`) };
    })();
  }
  const uploadId = parsed.searchParams.get('uploadId');
  if (method === 'DELETE' && keyParts.length > 0 && uploadId && /^[0-9a-f]+$/.test(uploadId)) {
    return (async () => {
      const folder = join(uploadsFolder(directory, bucket), uploadId);
      const key = await readFile(join(folder, 'key'), 'utf8').catch(() => undefined);
      if (key !== decodeURIComponent(keyParts.join('/'))) {
        return { status: 404, body: xml('<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>') };
      }
      await rm(folder, { recursive: true, force: true });
      return { status: 204, body: '' };
    })();
  }
  return undefined;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
