import pino from 'pino';

// pid, hostname and the logger's name are the same on every line of a process: noise in a terminal or journald.
const SAME_ON_EVERY_LINE = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'name']);

/**
 * One pino JSON line as COTTON_LOG_FORMAT=text prints it: ISO time, level name, message, then the
 * fields as key=value, on one line. An error field is its message (the stack is the JSON format's).
 * A line that is not JSON is returned as it is.
 */
export function textLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry.time === 'number' || typeof entry.time === 'string' ? new Date(entry.time) : new Date();
  const level = (pino.levels.labels[Number(entry.level)] ?? String(entry.level)).toUpperCase().padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key, value]) => !SAME_ON_EVERY_LINE.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${textValue(value)}`);
  const message = typeof entry.msg === 'string' ? oneLine(entry.msg) : '';
  return `${[Number.isNaN(time.getTime()) ? String(entry.time) : time.toISOString(), level, message, ...fields].filter((part) => part !== '').join(' ')}\n`;
}

function textValue(value: unknown): string {
  // pino's error serializer: { type, message, stack, ... }
  const v = isSerializedError(value) ? value.message : value;
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

function isSerializedError(value: unknown): value is { message: string } {
  return typeof value === 'object' && value !== null && 'stack' in value && typeof (value as { message?: unknown }).message === 'string';
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ');
}
