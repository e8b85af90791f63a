import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';
import { server } from './tools';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  postgres: string;
  pgDump: string;
  node: string;
  disk: string;
  platform: string;
}

/** The facts a reader needs to compare figures: cores, memory, versions, where the bytes go. */
export async function machineInfo(): Promise<MachineInfo> {
  const client = new pg.Client({ ...server, database: 'postgres' });
  await client.connect();
  let postgres: string;
  let dataDirectory = '';
  try {
    postgres = (await client.query<{ v: string }>(`SELECT split_part(version(), ' on ', 1) AS v`)).rows[0]!.v;
    dataDirectory = await client
      .query<{ d: string }>(`SELECT current_setting('data_directory') AS d`)
      .then((r) => r.rows[0]!.d)
      .catch(() => '');
  } finally {
    await client.end();
  }
  const pgDump = (await promisify(execFile)('pg_dump', ['--version'])).stdout.trim();
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryBytes: totalmem(),
    postgres,
    pgDump,
    node: process.version,
    disk: await diskNote(tmpdir(), dataDirectory),
    platform: `${process.platform} ${process.arch}`,
  };
}

/** File system of the temp folder (storage roots, dump files) and of PostgreSQL's data, from /proc/mounts. */
async function diskNote(temp: string, data: string): Promise<string> {
  try {
    const mounts = (await readFile('/proc/mounts', 'utf8'))
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f.length > 2)
      .map(([device, mountPoint, type]) => ({ device: device!, mountPoint: mountPoint!, type: type! }));
    const mountOf = (path: string) =>
      mounts.filter((m) => path === m.mountPoint || path.startsWith(m.mountPoint.endsWith('/') ? m.mountPoint : `${m.mountPoint}/`)).sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0];
    const t = mountOf(temp);
    const d = data ? mountOf(data) : undefined;
    const same = t && d && t.device === d.device;
    return `storage roots and dump files in ${temp} (${t?.type ?? '?'} on ${t?.device ?? '?'})` + (d ? (same ? ', PostgreSQL data on the same device' : `, PostgreSQL data on ${d.device} (${d.type})`) : '');
  } catch {
    return `storage roots in ${temp}`;
  }
}
