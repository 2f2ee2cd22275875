// Requests: the journal as a live list, newest first.
//
// Polls `GET /__admin/requests?since=ID` every 500 ms; the namespace, route and status class
// filter on the server, the text filter on the entries held here. The list keeps the newest
// ROWS entries and puts in the page only the rows in view (plus a margin), all of one fixed
// height, once per animation frame: a burst of a thousand requests a second costs a few dozen
// rows per frame, never a re-layout of hundreds.
//
// While the list is scrolled down, or a row has the keyboard focus, new rows arrive above
// without moving what is in view, and a button offers to jump to the newest.

import { api, h, on, poller, say, statusClass, syncList, syncOptions, timeOf } from './lib.js';
import { show } from './detail.js';

const ROWS = 500; // entries in the list at most
const HOLD = 2000; // entries held for the text filter and the details
const PERIOD = 500;
const MARGIN = 10; // rows put in the page above and below the view

const $ = (id) => document.getElementById(id);
const scroller = $('req-scroll');
const grid = scroller.querySelector('[role="grid"]');
const body = $('req-rows');
const info = $('req-info');
const newest = $('req-newest');
const pauseButton = $('req-pause');
const filters = { namespace: $('f-ns'), route: $('f-route'), status: $('f-status'), text: $('f-text') };
let height = 0;
/** The height of a row, from the stylesheet (`--row`), read once. */
const rowHeight = () => (height ||= parseFloat(getComputedStyle(body).getPropertyValue('--row')) || 26);

let held = []; // every entry received (newest first, at most HOLD)
let list = []; // what the list shows: held entries passing the text filter (at most ROWS)
let since = 0;
let pending = []; // received, not yet in the list (newest first)
let frame = 0;
let paused = false;
let generation = 0; // bumped when the server-side filters change
let selected = null; // the entry in the details
let focused = null; // the id of the row that takes Tab
let above = 0; // rows that arrived above the view while it stayed put
let painted = '';
const routes = new Set();

const poll = poller(PERIOD, async () => {
  const mine = generation;
  const query = {
    since: since || undefined,
    limit: ROWS,
    namespace: filters.namespace.value,
    route: filters.route.value.trim(),
    status: filters.status.value,
  };
  const batch = await api('/__admin/requests', { query });
  if (mine !== generation) return;
  const fresh = batch.filter((e) => e.id > since);
  if (!fresh.length) return;
  since = fresh[0].id;
  for (const e of fresh) {
    if (e.route && !routes.has(e.route)) {
      routes.add(e.route);
      syncList($('f-routes'), [...routes].sort());
    }
  }
  held = fresh.concat(held);
  if (held.length > HOLD) held.length = HOLD;
  pending = fresh.concat(pending);
  if (pending.length > ROWS) pending.length = ROWS;
  if (paused) pauseButton.textContent = `Resume (${pending.length}${pending.length === ROWS ? '+' : ''} new)`;
  else schedule();
});

function schedule() {
  if (!frame) frame = requestAnimationFrame(flush);
}

/** Moves what arrived into the list, then paints the rows in view. */
function flush() {
  frame = 0;
  if (pending.length && !paused) {
    const text = filters.text.value.trim().toLowerCase();
    const added = pending.filter((e) => matches(e, text));
    pending = [];
    if (added.length) {
      const stay = scroller.scrollTop > 0 || body.contains(document.activeElement);
      list = added.concat(list);
      if (list.length > ROWS) list.length = ROWS;
      body.style.height = list.length * rowHeight() + 'px';
      if (stay) {
        scroller.scrollTop += added.length * rowHeight();
        above += added.length;
      }
    }
  }
  paint();
}

/** Puts the rows in view (and a margin) in the page, when they changed. */
function paint() {
  const row = rowHeight();
  body.style.height = list.length * row + 'px';
  const top = Math.max(0, scroller.scrollTop - body.offsetTop);
  const first = Math.max(0, Math.floor(top / row) - MARGIN);
  const last = Math.min(list.length, Math.ceil((top + scroller.clientHeight) / row) + MARGIN);
  const key = `${first}:${last}:${list[first]?.id}:${list.length}`;
  if (key !== painted) {
    painted = key;
    const hadFocus = body.contains(document.activeElement);
    body.style.paddingTop = first * row + 'px';
    body.replaceChildren(...list.slice(first, last).map((e, i) => rowOf(e, first + i)));
    grid.setAttribute('aria-rowcount', String(list.length + 1));
    tabStop();
    if (hadFocus) rowElement(focused)?.focus({ preventScroll: true });
  }
  if (scroller.scrollTop <= 0) above = 0;
  newest.hidden = above === 0;
  newest.textContent = `▲ ${above} newer`;
  status();
}

function status() {
  $('req-empty').hidden = list.length > 0;
  const filtered = filters.text.value.trim() ? ' matching' : '';
  info.textContent = `${list.length}${filtered}${list.length === ROWS ? ' (newest kept)' : ''}`;
}

function matches(e, text) {
  if (!text) return true;
  if (e._hay === undefined) {
    const headers = (e.headers || []).map((p) => p.join(': ')).join('\n');
    e._hay = [e.method, e.path, e.query, e.route, e.rule, e.namespace, e.status, headers,
      e.body, e.response && e.response.body].join('\n').toLowerCase();
  }
  return e._hay.includes(text);
}

/** The row of entry `e` (built once, kept on the entry), at list position `index`. */
function rowOf(e, index) {
  if (!e._row) {
    const path = e.query ? `${e.path}?${e.query}` : e.path;
    const cell = (className, text, title) => h('span', { role: 'gridcell', className, title }, text);
    e._row = h('div', { role: 'row', className: 'rrow', tabIndex: -1, 'data-id': e.id },
      cell('time', timeOf(e.at), e.at),
      cell('ns', e.namespace, e.namespace),
      cell('method', e.method),
      cell('path', path, path),
      cell('st ' + statusClass(e.status), e.status === 0 ? 'reset' : e.status),
      cell('dur', e.duration_ms.toFixed(1) + ' ms'),
      cell('rule', e.rule || '', e.rule || undefined));
  }
  e._row.setAttribute('aria-rowindex', String(index + 2));
  e._row.setAttribute('aria-selected', String(e === selected));
  return e._row;
}

const rowElement = (id) => (id === null ? null : body.querySelector(`[data-id="${id}"]`));

/** One row takes Tab: the focused one, else the selected one, else the first in the page. */
function tabStop() {
  const want = rowElement(focused) || rowElement(selected?.id ?? null) || body.firstElementChild;
  for (const r of body.querySelectorAll('[tabindex="0"]')) if (r !== want) r.tabIndex = -1;
  if (want) want.tabIndex = 0;
}

function select(row) {
  if (!row) return;
  const e = list.find((x) => x.id === Number(row.dataset.id));
  if (!e) return;
  if (selected?._row) selected._row.setAttribute('aria-selected', 'false');
  selected = e;
  focused = e.id;
  row.setAttribute('aria-selected', 'true');
  tabStop();
  show($('req-detail'), e);
}

/** Moves the keyboard focus to list position `index`, scrolling it into view. */
function focusAt(index) {
  if (!list.length) return;
  const i = Math.max(0, Math.min(list.length - 1, index));
  const row = rowHeight();
  const top = body.offsetTop + i * row;
  const header = body.offsetTop;
  if (top - header < scroller.scrollTop) scroller.scrollTop = top - header;
  else if (top + row > scroller.scrollTop + scroller.clientHeight) {
    scroller.scrollTop = top + row - scroller.clientHeight;
  }
  focused = list[i].id;
  paint();
  rowElement(focused)?.focus({ preventScroll: true });
}

function onKey(event) {
  const row = event.target.closest('.rrow');
  if (!row) return;
  const index = list.findIndex((e) => e.id === Number(row.dataset.id));
  const page = Math.max(1, Math.floor(scroller.clientHeight / rowHeight()) - 2);
  const to = { ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + page,
    PageUp: index - page, Home: 0, End: list.length - 1 }[event.key];
  if (to !== undefined) {
    event.preventDefault();
    focusAt(to);
  } else if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    select(row);
  }
}

/** The list again from the entries held (a new text filter, or resuming from a pause). */
function refill() {
  const text = filters.text.value.trim().toLowerCase();
  pending = [];
  list = [];
  for (const e of held) {
    if (list.length === ROWS) break;
    if (matches(e, text)) list.push(e);
  }
  above = 0;
  scroller.scrollTop = 0;
  painted = '';
  paint();
}

/** Server-side filters changed: start over from the journal. */
function restart() {
  generation++;
  since = 0;
  held = [];
  refill();
  poll.now();
}

export function init() {
  body.addEventListener('click', (event) => select(event.target.closest('.rrow')));
  body.addEventListener('keydown', onKey);
  scroller.addEventListener('scroll', schedule, { passive: true });
  window.addEventListener('resize', schedule);
  newest.addEventListener('click', () => {
    scroller.scrollTop = 0;
    above = 0;
    focusAt(0);
  });
  filters.namespace.addEventListener('change', restart);
  filters.status.addEventListener('change', restart);
  filters.route.addEventListener('change', restart);
  filters.text.addEventListener('input', () => {
    clearTimeout(filters.text._timer);
    filters.text._timer = setTimeout(refill, 120);
  });
  pauseButton.addEventListener('click', () => {
    paused = !paused;
    pauseButton.setAttribute('aria-pressed', String(paused));
    pauseButton.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) schedule();
  });
  $('req-clear').addEventListener('click', async () => {
    try {
      await api('/__admin/requests', { method: 'DELETE', query: { namespace: filters.namespace.value } });
      restart();
    } catch (error) {
      say(info, error.message, true);
    }
  });
  on('namespaces', (names) => syncOptions(filters.namespace, names.map((n) => n.name), 1));
  on('restarted', restart);
  on('health', (health) => {
    $('req-empty').textContent = health.journal.capacity === 0
      ? 'The journal is off (--journal-size 0): requests are answered but not recorded.'
      : 'No requests yet. Point a client at this server and they appear here as they arrive.';
  });
  status();
  poll.start();
}

export function enter() {
  painted = '';
  paint();
}
