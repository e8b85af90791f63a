import { checkEventChain, checkNoLeaks, checks, client, type Checks } from './checks';
import { createFaultEnv, spawnCli, type FaultEnv, type Running } from './harness';
import type { Scenario } from './scenario';

const API = '/api/v1/server/database-backup';
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** NOTIFY payloads the listener must reject, every one distinct (PostgreSQL folds identical ones). */
export function hostilePayload(i: number): string {
  switch (i % 10) {
    case 8: return `{"reason": "nul \\u0000 ${i}"}`; // PostgreSQL text cannot hold NUL
    case 9: return `{"requestedBy": "lone \\ud800 ${i}"}`; // nor UTF-8 a lone surrogate
    case 0: return `not json ${i}`;
    case 1: return `{"reason": ${i}}`;
    case 2: return `{"reason": "x", "extra${i}": 1}`;
    case 3: return `[${i}]`;
    case 4: return `{"requestId": "nope-${i}"}`;
    case 5: return `{"reason": "${'A'.repeat(3000)}${i}"}`;
    case 6: return `{"reason": "${'r'.repeat(501)}${i}"}`;
    default: return `{"requestedBy": {"x": ${i}}}`;
  }
}

/** Rejections the audit accounts for: one event each for the first ones, then counted in summaries. */
async function auditedRejections(f: FaultEnv, source: string): Promise<{ events: number; total: number }> {
  const { rows } = await f.db.pool.query("SELECT data->>'reason' AS reason FROM cotton_backup.events WHERE type = 'RequestRejected' AND data->>'source' = $1", [source]);
  let total = 0;
  for (const r of rows) total += Number(/^(\d+) more rejected/.exec(r.reason)?.[1] ?? 1);
  return { events: rows.length, total };
}

async function succeededBackups(f: FaultEnv): Promise<number> {
  const { rows } = await f.db.pool.query("SELECT count(*)::int AS n FROM cotton_backup.backup_history WHERE status = 'succeeded'").catch(() => ({ rows: [{ n: 0 }] }));
  return rows[0].n;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await wait(200);
  }
  return false;
}

/**
 * Sends every payload on `cotton_backup` in one transaction, from a session of its own, kept open
 * while `whileOpen` runs (the host reads the sender's role from pg_stat_activity while it lives).
 */
async function notifyAll(f: FaultEnv, payloads: string[], whileOpen?: () => Promise<void>): Promise<void> {
  const pg = client(f);
  await pg.connect();
  try {
    await pg.query("SELECT pg_notify('cotton_backup', p) FROM unnest($1::text[]) p", [payloads]);
    await whileOpen?.();
  } finally {
    await pg.end();
  }
}

/** Starts `serve`, runs `abuse`, then asks for one valid backup and checks it is served; stops the host. */
interface Abuser {
  prefix: string;
  /** Sends the abuse; returns how many rejections the audit must account for. */
  abuse(f: FaultEnv, url: string, host: Running, c: Checks): Promise<number>;
  valid(f: FaultEnv, url: string): Promise<void>;
  source: 'notify' | 'api';
}

async function underAbuse({ prefix, abuse, valid, source }: Abuser): Promise<Checks> {
  const c = checks();
  const f = await createFaultEnv(prefix);
  try {
    const host = spawnCli(f, ['serve'], { timeoutMs: 300_000 });
    await host.waitFor(/"msg":"host serving"/);
    const url = /"url":"(http:[^"]+)"/.exec(host.stderr())![1]!;
    const rejected = await abuse(f, url, host, c);
    c.ok(host.child.exitCode === null, 'the host is still running');
    const health = await fetch(`${url}/health`).catch(() => undefined);
    c.ok(health?.status === 200, `GET /health answers 200 (${health?.status})`);
    await valid(f, url);
    c.ok(await waitFor(async () => (await succeededBackups(f)) >= 1, 60_000), 'a valid request afterwards is served: a backup succeeds');
    host.killGroup('SIGTERM');
    const stopped = await host.done;
    c.ok(stopped.code === 0, `the host stops cleanly (exit ${stopped.code}, ${stopped.signal})`);
    const audit = await auditedRejections(f, source);
    c.ok(audit.total === rejected, `every rejection is accounted for in RequestRejected: ${audit.total} of ${rejected}`);
    c.ok(audit.events <= 40, `the audit is rate-limited: ${audit.events} events for ${rejected} rejections`);
    c.note(`${audit.events} RequestRejected events for ${rejected} rejections`);
    const errors = stopped.stderr.replace(/"level":50[^\n]*pg-boss[^\n]*/g, '').split('\n').filter((l) => /"level":(50|60)/.test(l));
    c.ok(errors.length === 0, `no error or fatal log line (${errors[0]?.slice(0, 300) ?? ''})`);
    await checkEventChain(c, f);
    await checkNoLeaks(c, f);
  } finally {
    await f.cleanup();
  }
  return c;
}

const notifyFlood: Scenario = {
  id: 'hostile: 10 000 NOTIFY payloads',
  group: 'hostile input',
  how: '10 000 distinct invalid `NOTIFY cotton_backup` payloads (not JSON, wrong types, unknown fields, arrays, bad requestId, 3 KB oversized, 501-character reason, NUL, lone surrogate) in 10 transactions, against a running host; then one valid NOTIFY',
  expect: 'no crash; every rejection accounted for in RequestRejected (first ones one by one, the rest summarised: rate limit); the valid request is served',
  run: () =>
    underAbuse({
      prefix: 'fnotify',
      source: 'notify',
      async abuse(f, _url, host, c) {
        for (let batch = 0; batch < 10; batch++) {
          await notifyAll(f, Array.from({ length: 1000 }, (_, j) => hostilePayload(batch * 1000 + j)));
        }
        const seen = () => (host.stderr().match(/backup request rejected/g) ?? []).length;
        c.ok(await waitFor(async () => seen() >= 10_000, 120_000), `the host saw and rejected all 10 000 (${seen()})`);
        return 10_000;
      },
      async valid(f) {
        const pg = client(f);
        await pg.connect();
        await pg.query(`NOTIFY cotton_backup, '{"reason": "valid request after the flood"}'`);
        await pg.end();
      },
    }),
};

const validNotifyFlood: Scenario = {
  id: 'hostile: 2 000 valid NOTIFY requests',
  group: 'hostile input',
  how: '2 000 distinct valid `NOTIFY cotton_backup` requests claiming `requestedBy: "admin"`, in one transaction, against a running host; then one request_checkpoint()',
  expect: 'at most 10 recorded (per role and minute), each naming the real PostgreSQL role with "admin" kept as claimed; the rest refused and accounted for in RequestRejected (rate-limited); backups serve the recorded requests',
  run: () =>
    underAbuse({
      prefix: 'fvalid',
      source: 'notify',
      async abuse(f, _url, host, c) {
        const seen = () => (host.stderr().match(/backup request rejected/g) ?? []).length;
        await notifyAll(f, Array.from({ length: 2000 }, (_, i) => JSON.stringify({ reason: `flood ${i}`, requestedBy: 'admin' })), async () => {
          c.ok(await waitFor(async () => seen() >= 1990, 120_000), `the host refused all but 10 (${seen()} refused)`);
        });
        const recorded = async () => (await f.db.pool.query("SELECT data FROM cotton_backup.events WHERE type = 'BackupRequested' AND data->>'source' = 'notify'")).rows;
        await waitFor(async () => (await recorded()).length >= 10, 30_000);
        await wait(1000); // a request written late would show now
        const rows = await recorded();
        c.ok(rows.length === 10, `10 requests recorded, not 2 000 (${rows.length})`);
        const role = f.db.env.COTTON_PG_USERNAME;
        c.ok(rows.every((r) => r.data.requestedBy === role && r.data.claimedRequestedBy === 'admin' && r.data.sender?.role === role), `each names role "${role}" as requester and keeps "admin" as claimed`);
        return 1990;
      },
      async valid(f) {
        const pg = client(f);
        await pg.connect();
        const { rows } = await pg.query("SELECT cotton_backup.request_checkpoint('valid request after the flood')::text AS id");
        await pg.end();
        // Served before the host is stopped, so no backup of the flood's requests is cut short.
        const served = async () => (await f.db.pool.query('SELECT status FROM cotton_backup.checkpoint_requests WHERE request_id = $1', [rows[0].id])).rows[0]?.status === 'served';
        if (!(await waitFor(served, 120_000))) throw new Error('the request_checkpoint() after the flood was not served');
      },
    }),
};

interface Abuse { name: string; status: number[]; init: (token: string) => { method: string; headers: Record<string, string>; body?: string }; path?: string }

/** Kinds of malformed or unauthorised request, sent in turn. */
export const HTTP_ABUSES: Abuse[] = [
  { name: 'no token', status: [401], init: () => ({ method: 'PATCH', headers: {} }) },
  { name: 'wrong token', status: [401], init: (t) => ({ method: 'PATCH', headers: { authorization: `Bearer ${t}x` } }) },
  { name: 'basic auth', status: [401], init: (t) => ({ method: 'PATCH', headers: { authorization: `Basic ${Buffer.from(`admin:${t}`).toString('base64')}` } }) },
  { name: 'bad JSON', status: [400], init: (t) => ({ method: 'PATCH', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{"reason": ' }) },
  { name: 'wrong types', status: [400], init: (t) => ({ method: 'PATCH', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{"reason": 5, "requestedBy": []}' }) },
  { name: 'unknown field', status: [400], init: (t) => ({ method: 'PATCH', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{"drop": "table"}' }) },
  // 0: the server answered 413 and closed the connection before the client finished sending.
  { name: 'huge body (1 MiB)', status: [413, 0], init: (t) => ({ method: 'PATCH', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: `{"reason": "${'x'.repeat(1 << 20)}"}` }) },
  { name: 'not JSON content type', status: [400, 415], init: (t) => ({ method: 'PATCH', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/xml' }, body: '<x/>' }) },
  { name: 'wrong method', status: [404, 405], init: (t) => ({ method: 'DELETE', headers: { authorization: `Bearer ${t}` } }) },
  { name: 'unknown path', status: [404], path: `${API}/..%2f..%2fetc%2fpasswd`, init: (t) => ({ method: 'GET', headers: { authorization: `Bearer ${t}` } }) },
  // What PostgreSQL would refuse (a 500 if it got that far): NUL, a lone surrogate, a bigint overflow.
  { name: 'NUL in reason', status: [400], init: (t) => ({ method: 'PATCH', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{"reason": "a\\u0000b"}' }) },
  { name: 'lone surrogate', status: [400], init: (t) => ({ method: 'PATCH', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{"requestedBy": "\\ud800"}' }) },
  { name: 'bigint overflow', status: [400], path: `${API}/events?after=9999999999999999999`, init: (t) => ({ method: 'GET', headers: { authorization: `Bearer ${t}` } }) },
  { name: 'huge headers (32 KiB)', status: [431], init: (t) => ({ method: 'PATCH', headers: { authorization: `Bearer ${t}`, 'x-filler': 'f'.repeat(32 * 1024) } }) },
];

const httpAbuse: Scenario = {
  id: 'hostile: 1 000 malformed or unauthorised HTTP requests',
  group: 'hostile input',
  how: `1 000 requests, in turn: ${HTTP_ABUSES.map((a) => a.name).join(', ')}; 20 in flight at a time, against a running host; then one valid PATCH …/trigger`,
  expect: 'no crash, no 5xx, each answered with its 4xx in the `{error:{code,message}}` shape; every rejection, bad tokens and unknown paths included, accounted for in RequestRejected (rate-limited); the valid trigger gets 202 and is served',
  run: () =>
    underAbuse({
      prefix: 'fhttp',
      source: 'api',
      async abuse(f, url, _host, c) {
        const statuses = new Map<string, Map<number, number>>();
        const jobs = Array.from({ length: 1000 }, (_, i) => HTTP_ABUSES[i % HTTP_ABUSES.length]!);
        let next = 0;
        const worker = async () => {
          while (next < jobs.length) {
            const abuse = jobs[next++]!;
            const status = await fetch(`${url}${abuse.path ?? `${API}/trigger`}`, abuse.init(f.secrets.adminToken)).then(
              async (r) => {
                const body = (await r.json().catch(() => undefined)) as { error?: { code?: unknown; message?: unknown } } | undefined;
                if (typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string') misshapen.add(`${abuse.name} (${r.status})`);
                return r.status;
              },
              () => 0,
            );
            const m = statuses.get(abuse.name) ?? new Map<number, number>();
            m.set(status, (m.get(status) ?? 0) + 1);
            statuses.set(abuse.name, m);
          }
        };
        const misshapen = new Set<string>();
        await Promise.all(Array.from({ length: 20 }, worker));
        c.ok(misshapen.size === 0, `every answer is {error:{code,message}} (not: ${[...misshapen].join(', ')})`);
        let audited = 0;
        for (const abuse of HTTP_ABUSES) {
          const got = [...(statuses.get(abuse.name) ?? new Map())];
          c.ok(got.every(([s]) => abuse.status.includes(s)), `${abuse.name}: every answer is ${abuse.status.join(' or ')} (${got.map(([s, n]) => `${n}×${s}`).join(', ')})`);
          audited += got.reduce((n, [, k]) => n + k, 0); // every one is a 4xx rejection (0: a 413 the client could not read)
        }
        return audited;
      },
      async valid(f, url) {
        const r = await fetch(`${url}${API}/trigger`, { method: 'PATCH', headers: { authorization: `Bearer ${f.secrets.adminToken}`, 'content-type': 'application/json' }, body: '{"reason": "valid request after the abuse"}' });
        if (r.status !== 202) throw new Error(`the valid trigger got ${r.status}: ${await r.text()}`);
      },
    }),
};

const authFailuresAudited: Scenario = {
  id: 'hostile: failed admin authentication is audited',
  group: 'hostile input',
  how: '300 PATCH …/trigger with no, wrong or Basic credentials against a running host',
  expect: 'each answered 401 and accounted for in RequestRejected (rate-limited)',
  run: () =>
    underAbuse({
      prefix: 'fauth',
      source: 'api',
      async abuse(f, url) {
        for (let i = 0; i < 300; i++) await fetch(`${url}${API}/trigger`, HTTP_ABUSES[i % 3]!.init(f.secrets.adminToken)).then((r) => r.arrayBuffer());
        return 300;
      },
      async valid(f, url) {
        await fetch(`${url}${API}/trigger`, { method: 'PATCH', headers: { authorization: `Bearer ${f.secrets.adminToken}` } });
      },
    }),
};

export const hostileScenarios: Scenario[] = [notifyFlood, validNotifyFlood, httpAbuse, authFailuresAudited];
