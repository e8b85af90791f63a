// The cotton-backup admin page. No framework, no third-party code, nothing inline (the CSP forbids
// it). The admin token lives in sessionStorage (this tab only) and travels in an Authorization
// header; it is never put in a URL.
'use strict';

const API = '/api/v1/server/database-backup';
const TOKEN_KEY = 'cotton-backup.admin-token';
const SVG_NS = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);
const EVENTS_PAGE = 20;
// The event vocabulary (plugins/backup/events/vocabulary.ts EVENT_TYPES; the browser spec holds the two equal).
const EVENT_TYPES = ['BackupRequested', 'BackupStarted', 'Dumped', 'RowsCounted', 'FileChunksRecorded', 'Chunked', 'ManifestCommitted',
  'PointerAdvanced', 'BackupFailed', 'RestoreStarted', 'Verified', 'Restored', 'ExtensionsEnsured', 'AdminsNotified', 'RestoreRejected',
  'RestoreFailed', 'InterruptedRestoreWiped', 'RequestRejected', 'EventRejected', 'StoredEventRejected', 'VerificationFailed', 'BackupKept',
  'BackupExpired', 'ManifestUnreadable', 'ManifestReadable', 'ObjectsReleased', 'BackupDiscovered', 'CopyStarted', 'CopyCompleted', 'CopyFailed',
  'PrimaryReseeded', 'PrimaryReseedSkipped', 'CopyTargetAdopted', 'TargetPruned', 'DrillStarted', 'DrillPassed', 'DrillFailed', 'DrillLeftoverDropped'];

class AuthError extends Error {}

let refreshTimer;
let waitingFor; // { kind: 'backup' | 'verify', since: ISO string, until: ms }
// The events panel: its filter, the page shown (`before`: null is the newest) and the pages above it.
const eventsView = { stream: '', type: '', before: null, newer: [], nextBefore: null, loads: 0 };

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
        ['Verified', l.verified === true ? 'yes' : l.verified === false ? 'FAILED' : 'never', l.verified === true ? 'ok' : 'bad'],
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

function renderUnverified(latest) {
  const banner = $('unverified');
  const state = latest ? latest.verified : true;
  banner.hidden = state === true;
  banner.className = `banner ${state === false ? 'failed' : 'warn'}`;
  banner.textContent = state === false
    ? `The latest backup (${latest.backupId}) FAILED its last verification: run \`cotton-backup verify --json\`, then take a new backup.`
    : state === null ? `The latest backup (${latest.backupId}) was never verified: press "Verify now" or run \`cotton-backup verify\`.` : '';
}

/** Fills a panel's table, or says in its summary line that there is nothing to show. */
function fillPanel(id, rows, empty, summary) {
  const panel = $(id);
  panel.querySelector('tbody').replaceChildren(...rows);
  panel.querySelector('table').hidden = rows.length === 0;
  panel.querySelector('.summary').textContent = rows.length === 0 ? empty : summary || '';
}

function row(cells, attrs = {}) {
  const tr = el('tr', attrs);
  for (const cell of cells) tr.append(cell instanceof Node ? cell : el('td', {}, cell === null || cell === undefined ? '–' : String(cell)));
  return tr;
}
const td = (text, cls) => el('td', cls ? { class: cls } : {}, text === null || text === undefined ? '–' : String(text));

function renderAlerts(alerts) {
  const firing = alerts.filter((a) => a.state === 'firing');
  fillPanel('alerts', alerts.map((a) => row([
    td(a.alert, a.state === 'firing' ? 'bad' : undefined), td(a.state, a.state === 'firing' ? 'bad' : 'muted'), td(a.severity), td(a.target), td(a.summary),
  ], { class: `alert ${a.state} ${a.severity}`, 'data-alert': a.alert })), 'No alerts firing.', firing.length === 0 ? 'No alerts firing (some pending).' : `${firing.length} firing.`);
  $('alerts').querySelector('.summary').className = `summary ${firing.length > 0 ? 'bad' : 'ok'}`;
}

function renderCopies(copies) {
  fillPanel('copies', copies.map((c) => {
    const state = !c.configured ? 'not configured' : c.failing ? 'FAILING' : c.overdue ? 'OVERDUE' : c.lastSuccessAt ? 'ok' : 'no copy yet';
    const name = el('td');
    name.append(el('strong', {}, c.target));
    if (c.url && c.url !== c.target) name.append(el('div', { class: 'muted small' }, c.url));
    const failure = el('td');
    if (c.lastFailureAt) {
      failure.append(el('div', {}, when(c.lastFailureAt)));
      if (c.lastError) failure.append(el('div', { class: c.failing ? 'error-text' : 'muted small' }, c.lastError));
    } else failure.textContent = '–';
    const success = el('td', {}, when(c.lastSuccessAt));
    if (c.lastBackupId) success.append(el('div', { class: 'muted small' }, c.lastBackupId));
    return row([name, td(state, state === 'ok' ? 'ok' : 'bad'), success, td(c.backupsBehind, c.backupsBehind > 0 ? 'bad' : undefined), td(c.backupsHeld), td(c.copiesFailed), failure],
      { class: `copy${c.failing ? ' failing' : ''}${c.overdue ? ' overdue' : ''}`, 'data-target': c.target });
  }), 'No copy targets configured (COTTON_BACKUP_COPIES): the backups live in the primary storage only.');
}

function copyButton(text) {
  const button = el('button', { type: 'button', class: 'secondary small-button' }, 'Copy');
  button.addEventListener('click', async () => {
    const code = button.previousSibling;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      // No clipboard outside a secure context: select the command for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(code);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.textContent = 'Selected';
    }
    setTimeout(() => { button.textContent = 'Copy'; }, 2000);
  });
  return button;
}

function renderKept(kept) {
  fillPanel('kept', kept.map((k) => {
    const restore = el('td', { class: 'restore' });
    if (k.restore) restore.append(el('code', {}, k.restore), copyButton(k.restore));
    else restore.textContent = 'held nowhere';
    const rule = k.keptBy.length > 0 ? k.keptBy.join(', ') : k.retention;
    return row([td(k.backupId, 'mono'), td(when(k.createdAt).slice(0, 19), 'date'), td(rule, k.keptBy.length > 0 ? undefined : 'muted'), td(k.heldOn.join(', ') || 'nowhere', k.heldOn.length > 0 ? undefined : 'bad'),
      td(k.verifiedAt ? when(k.verifiedAt).slice(0, 19) : 'never', k.verifiedAt ? 'date' : 'muted'), td(k.drilledAt ? when(k.drilledAt).slice(0, 19) : 'never', k.drilledAt ? 'date' : 'muted'), restore],
      { class: 'kept', 'data-backup-id': k.backupId });
  }), 'No backup kept yet.', `${kept.length} kept (newest first). "Kept by" is the retention rule that keeps each.`);
}

function renderChecks(checks) {
  fillPanel('checks', checks.map((c) => row([
    td(when(c.at).slice(0, 19), 'date'), td(c.kind), td(c.ok ? 'passed' : 'FAILED', c.ok ? 'ok' : 'bad'), td(c.backupId, 'mono'), td(c.target || 'primary'), td(seconds(c.durationMs)),
    td(c.problems.length > 0 ? c.problems.join('; ') : c.ok ? '' : 'no problem recorded', c.ok ? undefined : 'error-text'),
  ], { class: `check ${c.ok ? 'passed' : 'failed'}`, 'data-kind': c.kind })), 'No verification or drill yet.', `The last ${checks.length}, newest first.`);
}

function drawTimeline(backups) {
  const chart = $('timeline');
  chart.replaceChildren();
  const W = 900, H = 270, left = 70, right = 60, top = 16, bottom = 44;
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
  const barW = Math.min(60, Math.max(2, band * 0.7));
  const y = (n) => top + plotH - (n / maxBytes) * plotH;
  const yMs = (ms) => top + plotH - (ms / maxMs) * plotH;
  const points = [];
  // A date under a bar, at most about ten along the axis (every bar when they fit).
  const every = Math.ceil(backups.length / 10);
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
    if (i % every === 0) {
      const cx = x + barW / 2;
      const at = when(b.startedAt);
      chart.append(svg('line', { class: 'axis', x1: cx, y1: top + plotH, x2: cx, y2: top + plotH + 4 }));
      const label = svg('text', { class: 'date-label', x: cx, y: top + plotH + 16, 'text-anchor': 'middle', 'data-backup-id': b.backupId }, at.slice(0, 10));
      label.append(svg('tspan', { x: cx, dy: 12 }, at.slice(11, 16)));
      chart.append(label);
    }
  });
  if (points.length > 0) {
    chart.append(svg('polyline', { class: 'duration', points: points.map((p) => p.join(',')).join(' ') }));
    for (const [cx, cy] of points) chart.append(svg('circle', { class: 'duration-dot', cx, cy, r: 3 }));
  }
  chart.append(svg('text', { x: left - 6, y: top + 10, 'text-anchor': 'end' }, bytes(maxBytes)));
  chart.append(svg('text', { x: left - 6, y: top + plotH, 'text-anchor': 'end' }, '0'));
  chart.append(svg('text', { x: W - right + 6, y: top + 10 }, seconds(maxMs)));
}

function renderEvents(events) {
  const body = $('events').querySelector('tbody');
  body.replaceChildren(...events.map((e) => {
    const row = el('tr', { 'data-position': e.globalPosition, 'data-type': e.type });
    row.append(el('td', {}, e.globalPosition));
    row.append(el('td', {}, when(e.occurredAt).slice(0, 19)));
    row.append(el('td', /Failed|Rejected/.test(e.type) ? { class: 'type-failed' } : {}, e.type));
    row.append(el('td', {}, e.streamId));
    return row;
  }));
}

/** One page of `GET …/events?order=desc`, newest first, with the panel's filter. */
async function loadEvents() {
  const query = new URLSearchParams({ order: 'desc', limit: String(EVENTS_PAGE) });
  if (eventsView.stream) query.set('stream', eventsView.stream);
  if (eventsView.type) query.set('type', eventsView.type);
  if (eventsView.before !== null) query.set('before', eventsView.before);
  const status = $('events-status');
  const load = ++eventsView.loads;
  try {
    const page = await api('GET', `/events?${query}`);
    if (load !== eventsView.loads) return; // a later filter or page has been asked for since
    renderEvents(page.events);
    eventsView.nextBefore = page.nextBefore;
    $('events-older').disabled = page.nextBefore === null;
    $('events-newer').disabled = eventsView.before === null;
    const filtered = eventsView.stream || eventsView.type ? ' matching the filter' : '';
    const newest = eventsView.before === null ? ' (the newest)' : '';
    const first = page.events.at(-1), last = page.events[0];
    status.className = 'muted';
    status.textContent = !last ? `No events${filtered}.`
      : first === last ? `Event ${last.globalPosition}${filtered}${newest}.`
      : `Events ${first.globalPosition}–${last.globalPosition}${filtered}${newest}.`;
  } catch (error) {
    if (error instanceof AuthError) throw error;
    if (load !== eventsView.loads) return;
    status.className = 'error';
    status.textContent = error.message;
  }
}

function pageEvents(direction) {
  if (direction === 'older' && eventsView.nextBefore !== null) {
    eventsView.newer.push(eventsView.before);
    eventsView.before = eventsView.nextBefore;
  } else if (direction === 'newer' && eventsView.newer.length > 0) {
    eventsView.before = eventsView.newer.pop();
  } else return;
  void loadEvents().catch(onApiError);
}

function filterEvents(stream, type) {
  Object.assign(eventsView, { stream, type, before: null, newer: [], nextBefore: null });
  void loadEvents().catch(onApiError);
}

function onApiError(error) {
  if (error instanceof AuthError) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(error.message);
  } else $('action-status').textContent = error.message;
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
    renderUnverified(status.latest);
    renderCards(status);
    renderAlerts(status.alerts);
    renderCopies(status.copies);
    drawTimeline(status.timeline);
    renderKept(status.kept);
    renderChecks(status.checks);
    // The newest page follows the refresh; an older page stays where the reader put it.
    if (eventsView.before === null) await loadEvents();
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
  const types = $('events-type');
  for (const type of EVENT_TYPES) types.append(el('option', { value: type }, type));
  $('events-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    filterEvents($('events-stream').value.trim(), types.value);
  });
  types.addEventListener('change', () => filterEvents($('events-stream').value.trim(), types.value));
  $('events-reset').addEventListener('click', () => {
    $('events-stream').value = '';
    types.value = '';
    filterEvents('', '');
  });
  $('events-older').addEventListener('click', () => pageEvents('older'));
  $('events-newer').addEventListener('click', () => pageEvents('newer'));
  if (sessionStorage.getItem(TOKEN_KEY)) void refresh();
  else showLogin('');
});
