/** CPU time from the kernel's accounting (/proc), which the other users of a shared machine do not change. */
import { readdirSync, readFileSync } from 'node:fs';

const USER_HZ = 100; // clock ticks per second in /proc on Linux

// utime and stime (fields 14 and 15 of /proc/<pid>/stat, counted after the command name) in ms;
// `children` = the cutime and cstime of reaped children (fields 16 and 17).
function statCpuMs(path: string, children = false): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  const at = children ? 13 : 11;
  return ((Number(fields[at]) + Number(fields[at + 1])) * 1000) / USER_HZ;
}

/** CPU of this process's reaped children (pg_dump, a CLI run), ms, 10 ms resolution. */
export function childrenCpuMs(): number {
  return statCpuMs('/proc/self/stat', true);
}

/** CPU of any process on this machine (e.g. a PostgreSQL backend), ms; undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    return statCpuMs(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
}

/** CPU ms of this process's threads by name: MainThread, libuv-worker (zstd, fs), V8Worker (GC, JIT), … */
export function threadsCpuMs(): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const path = `/proc/self/task/${tid}/stat`;
      const stat = readFileSync(path, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      byName[name] = (byName[name] ?? 0) + statCpuMs(path);
    } catch {
      // the thread ended meanwhile
    }
  }
  return byName;
}
