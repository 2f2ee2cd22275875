// One journal entry in full: what was asked (headers with tokens masked by the journal, the
// body pretty-printed when it is JSON) and what was answered.

import { h, pretty, statusClass } from './lib.js';

function kv(pairs) {
  if (!pairs || !pairs.length) return h('p', { className: 'note' }, 'none');
  return h('table', { className: 'kv' },
    h('tbody', null, ...pairs.map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, v)))));
}

function body(text, size) {
  if (!size) return h('p', { className: 'note' }, 'empty');
  if (text === null || text === undefined) return h('p', { className: 'note' }, `${size} bytes, streamed (not kept)`);
  const cut = size > new TextEncoder().encode(text).length;
  return h('div', null,
    h('pre', { className: 'code' }, cut ? text : pretty(text)),
    cut ? h('p', { className: 'note' }, `The first 4 KiB of ${size} bytes (the journal keeps no more).`) : null);
}

/** Shows entry `e` in `pane` (or says it is gone). */
export function show(pane, e) {
  if (!e) {
    pane.replaceChildren(h('p', { className: 'muted' }, 'This request is no longer held.'));
    return;
  }
  const path = e.query ? `${e.path}?${e.query}` : e.path;
  const answer = e.response || { status: e.status, headers: [], body: null, body_size: 0 };
  const status = e.status === 0 ? 'connection reset' : e.status;
  pane.replaceChildren(
    h('h2', null, `${e.method} ${path} `, h('span', { className: 'st ' + statusClass(e.status) }, status)),
    kv([
      ['journal id', e.id],
      ['server time', e.at],
      ['namespace', e.namespace],
      ['route', e.route || '(no route: 404 or 405)'],
      ['scenario rule', e.rule || '(none fired)'],
      ['duration', e.duration_ms.toFixed(2) + ' ms'],
    ]),
    h('h3', null, 'Request headers'), kv(e.headers),
    h('h3', null, 'Request body'), body(e.body, e.body_size),
    h('h3', null, 'Response headers'), kv(answer.headers),
    h('h3', null, 'Response body'), body(answer.body, answer.body_size));
}
