// The cotton-backup admin page. No framework, no third-party code, nothing inline (the CSP forbids
// it). The admin token lives in sessionStorage (this tab only) and travels in an Authorization
// header; it is never put in a URL.
'use strict';

const API = '/api/v1/server/database-backup';
const TOKEN_KEY = 'cotton-backup.admin-token';
const SVG_NS = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

class AuthError extends Error {}

let refreshTimer;
let waitingFor; // { kind: 'backup' | 'verify', since: ISO string, until: ms }

async function api(method, path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new AuthError('Enter the admin token.');
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${API}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  if (res.status === 401) throw new AuthError('The server refused this admin token (401 Unauthorized). Check COTTON_ADMIN_TOKEN and enter it again.');
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((data.error && data.error.message) || `${method} ${path} answered ${res.status}`);
  return data;
}

function showLogin(message) {
  clearTimeout(refreshTimer);
  $('dashboard').hidden = true;
  $('login').hidden = false;
  const error = $('login-error');
  error.hidden = !message;
  error.textContent = message || '';
  $('token').focus();
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const bytes = (n) => {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
};
const seconds = (ms) => (ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);
const when = (iso) => (iso ? `${new Date(iso).toISOString().replace('T', ' ').slice(0, 19)} UTC` : '–');

function definitionList(pairs) {
  const dl = el('dl');
  for (const [term, value, cls] of pairs) {
    dl.append(el('dt', {}, term));
    dl.append(el('dd', cls ? { class: cls } : {}, value));
  }
  return dl;
}

function fillCard(id, content) {
  const body = $(id).querySelector('.body');
  body.replaceChildren(content);
}

function renderCards(status) {
  const l = status.latest;
  fillCard('latest-backup', l
    ? definitionList([
        ['Backup', l.backupId],
        ['Finished', when(l.finishedAt)],
        ['Dump', bytes(l.dumpSizeBytes)],
        ['New bytes', bytes(l.newBytes)],
        ['Duration', seconds(l.durationMs)],
        ['Now', status.running ? 'a backup is running' : 'idle'],
      ])
    : el('p', { class: 'muted' }, status.running ? 'The first backup is running.' : 'No backup yet.'));
  for (const [id, check, what] of [['latest-verification', status.verification, 'verification'], ['latest-drill', status.drill, 'drill']]) {
    if (!check) {
      fillCard(id, el('p', { class: 'muted' }, `No ${what} yet.`));
      continue;
    }
    const pairs = [
      ['Result', check.ok ? 'passed' : 'FAILED', check.ok ? 'ok' : 'bad'],
      ['Backup', check.backupId],
      ['When', when(check.at)],
    ];
    if (!check.ok) pairs.push(['Problems', check.problems.join('; ') || '–']);
    fillCard(id, definitionList(pairs));
  }
  const s = status.schedule;
  fillCard('next-run', s
    ? definitionList([['Next run', when(s.nextRunAt)], ['Schedule', s.cron], ['Time zone', s.timezone]])
    : el('p', { class: 'muted' }, 'No schedule recorded yet.'));
}

function drawTimeline(backups) {
  const chart = $('timeline');
  chart.replaceChildren();
  const W = 900, H = 260, left = 70, right = 60, top = 16, bottom = 34;
  const plotW = W - left - right, plotH = H - top - bottom;
  chart.append(svg('line', { class: 'axis', x1: left, y1: top + plotH, x2: W - right, y2: top + plotH }));
  chart.append(svg('line', { class: 'axis', x1: left, y1: top, x2: left, y2: top + plotH }));
  if (backups.length === 0) {
    chart.append(svg('text', { x: left + 10, y: top + plotH / 2 }, 'No backups yet.'));
    return;
  }
  const maxBytes = Math.max(1, ...backups.map((b) => b.dumpSizeBytes || 0));
  const maxMs = Math.max(1, ...backups.map((b) => b.durationMs || 0));
  const band = plotW / backups.length;
  const barW = Math.max(2, band * 0.7);
  const y = (n) => top + plotH - (n / maxBytes) * plotH;
  const yMs = (ms) => top + plotH - (ms / maxMs) * plotH;
  const points = [];
  backups.forEach((b, i) => {
    const x = left + i * band + (band - barW) / 2;
    const group = svg('g', { class: `backup status-${b.status}`, 'data-backup-id': b.backupId, 'data-status': b.status });
    group.append(svg('title', {}, `${b.backupId}\n${when(b.startedAt)} · ${b.status}${b.failedStep ? ` at ${b.failedStep}` : ''}\ndump ${bytes(b.dumpSizeBytes)}, new ${bytes(b.newBytes)}, ${seconds(b.durationMs)}`));
    if (b.status === 'failed') {
      group.append(svg('rect', { class: 'bar-failed', x, y: top + plotH - plotH * 0.25, width: barW, height: plotH * 0.25 }));
      group.append(svg('text', { x: x + barW / 2, y: top + plotH - plotH * 0.25 - 4, 'text-anchor': 'middle' }, '✕'));
    } else {
      const dump = b.dumpSizeBytes || 0;
      group.append(svg('rect', { class: 'bar-dump', x, y: y(dump), width: barW, height: top + plotH - y(dump) }));
      const fresh = Math.min(dump, b.newBytes || 0);
      group.append(svg('rect', { class: 'bar-new', x, y: y(fresh), width: barW, height: top + plotH - y(fresh) }));
      if (b.durationMs !== null) points.push([x + barW / 2, yMs(b.durationMs)]);
    }
    chart.append(group);
  });
  if (points.length > 0) {
    chart.append(svg('polyline', { class: 'duration', points: points.map((p) => p.join(',')).join(' ') }));
    for (const [cx, cy] of points) chart.append(svg('circle', { class: 'duration-dot', cx, cy, r: 3 }));
  }
  chart.append(svg('text', { x: left - 6, y: top + 10, 'text-anchor': 'end' }, bytes(maxBytes)));
  chart.append(svg('text', { x: left - 6, y: top + plotH, 'text-anchor': 'end' }, '0'));
  chart.append(svg('text', { x: W - right + 6, y: top + 10 }, seconds(maxMs)));
  chart.append(svg('text', { x: left, y: H - 10 }, when(backups[0].startedAt)));
  chart.append(svg('text', { x: W - right, y: H - 10, 'text-anchor': 'end' }, when(backups[backups.length - 1].startedAt)));
}

function renderEvents(events) {
  const body = $('events').querySelector('tbody');
  body.replaceChildren(...events.map((e) => {
    const row = el('tr');
    row.append(el('td', {}, e.globalPosition));
    row.append(el('td', {}, when(e.occurredAt).slice(0, 19)));
    row.append(el('td', /Failed|Rejected/.test(e.type) ? { class: 'type-failed' } : {}, e.type));
    row.append(el('td', {}, e.streamId));
    return row;
  }));
}

function settled(status) {
  if (!waitingFor) return true;
  if (Date.now() > waitingFor.until) return true;
  if (waitingFor.kind === 'backup') {
    return status.timeline.some((b) => b.startedAt >= waitingFor.since && b.status !== 'running');
  }
  return status.verification !== null && status.verification.at >= waitingFor.since;
}

async function refresh() {
  clearTimeout(refreshTimer);
  try {
    const status = await api('GET', '/status');
    $('login').hidden = true;
    $('dashboard').hidden = false;
    renderCards(status);
    drawTimeline(status.timeline);
    renderEvents(status.events);
    $('refreshed').textContent = `updated ${when(new Date().toISOString())}`;
    if (waitingFor && settled(status)) {
      $('action-status').textContent = waitingFor.kind === 'backup' ? 'Backup finished.' : 'Verification finished.';
      waitingFor = undefined;
    }
    refreshTimer = setTimeout(refresh, waitingFor ? 1500 : 15000);
  } catch (error) {
    if (error instanceof AuthError) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin(error.message);
    } else {
      $('action-status').textContent = `Could not load the status: ${error.message}`;
      refreshTimer = setTimeout(refresh, 15000);
    }
  }
}

async function act(kind) {
  const button = $(kind === 'backup' ? 'backup-now' : 'verify-now');
  button.disabled = true;
  const since = new Date(Date.now() - 1000).toISOString();
  try {
    if (kind === 'backup') {
      const { requestId } = await api('PATCH', '/trigger', { reason: 'from the admin page', requestedBy: 'admin page' });
      $('action-status').textContent = `Backup requested (${requestId}); waiting for it…`;
    } else {
      await api('POST', '/verify');
      $('action-status').textContent = 'Verification started; waiting for it…';
    }
    waitingFor = { kind, since, until: Date.now() + 10 * 60 * 1000 };
    await refresh();
  } catch (error) {
    if (error instanceof AuthError) showLogin(error.message);
    else $('action-status').textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('token').value.trim();
    $('token').value = '';
    if (!value) return showLogin('Enter the admin token.');
    sessionStorage.setItem(TOKEN_KEY, value);
    void refresh();
  });
  $('backup-now').addEventListener('click', () => void act('backup'));
  $('verify-now').addEventListener('click', () => void act('verify'));
  $('forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('');
  });
  if (sessionStorage.getItem(TOKEN_KEY)) void refresh();
  else showLogin('');
});
