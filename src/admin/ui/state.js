// State: a namespace's collections with their counts, the records of one, and one record as
// JSON; the export as a download; a reset of the namespace. Reads `GET /__admin/state`, which
// settles executions on the clock first, so a clock advance shows here at once.

import { api, emit, h, json, on, poller, say, syncOptions } from './lib.js';

const $ = (id) => document.getElementById(id);
const picker = $('st-ns');
const msg = $('st-msg');
let state = {};
let collection = null;
let record = null; // the id shown
let shown = { collections: '', records: '', record: '' };
let visible = false;

const namespace = () => picker.value || 'default';

const refresh = poller(2000, async () => {
  state = await api('/__admin/state', { query: { namespace: namespace() } });
  render();
});

/** A record's name for the list: its id, and what tells it apart. */
function label(r) {
  return r.name ?? r.title ?? r.filename ?? r.label ?? r.trigger_type ?? '';
}

function render() {
  const names = Object.keys(state);
  if (collection === null || !names.includes(collection)) collection = names[0] ?? null;
  const counts = names.map((n) => [n, state[n].length]);
  const key = JSON.stringify([collection, counts]);
  if (key !== shown.collections) {
    shown.collections = key;
    $('st-collections').replaceChildren(...counts.map(([name, count]) => h('li', null,
      h('button', { type: 'button', 'data-collection': name, 'aria-current': String(name === collection) },
        h('span', { className: 'label' }, name), h('span', { className: 'n' }, count)))));
  }
  const records = collection ? state[collection] : [];
  if (record !== null && !records.some((r) => String(r.id) === record)) record = null;
  const items = records.map((r) => [r.id, label(r), r.status ?? '']);
  const listKey = JSON.stringify([record, items]);
  if (listKey !== shown.records) {
    shown.records = listKey;
    $('st-records').replaceChildren(...items.map(([id, text, status]) => h('li', null,
      h('button', { type: 'button', 'data-id': id, 'aria-current': String(String(id) === record), title: id },
        h('span', { className: 'id' }, String(id).slice(0, 13)),
        h('span', { className: 'label' }, text),
        h('span', { className: 'n', 'data-status': status }, status)))));
  }
  const chosen = records.find((r) => String(r.id) === record);
  const body = chosen ? json(chosen) : '';
  if (body !== shown.record) {
    shown.record = body;
    $('st-record').replaceChildren(chosen
      ? h('div', null, h('h3', null, `${collection} / ${record}`), h('pre', { className: 'code' }, body))
      : h('p', { className: 'muted' }, collection ? 'Pick a record.' : 'No collections.'));
  }
}

function setExport() {
  const link = $('st-export');
  link.href = '/__admin/state?namespace=' + encodeURIComponent(namespace());
  link.download = `prodgy-state-${namespace()}.json`;
}

export function init() {
  $('st-collections').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-collection]');
    if (!button) return;
    collection = button.dataset.collection;
    record = null;
    render();
    $('st-records').querySelector('button')?.focus();
  });
  $('st-records').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-id]');
    if (!button) return;
    record = button.dataset.id;
    render();
    $('st-records').querySelector(`button[data-id="${CSS.escape(record)}"]`)?.focus();
  });
  picker.addEventListener('change', () => {
    setExport();
    collection = record = null;
    refresh.now();
  });
  $('st-refresh').addEventListener('click', () => refresh.now());
  $('st-reset').addEventListener('click', async () => {
    if (!confirm(`Put namespace ${namespace()} back to the seed? Its journal entries go too.`)) return;
    try {
      await api('/__admin/reset', { method: 'POST', query: { namespace: namespace() } });
      say(msg, `namespace ${namespace()} reset to the seed`);
      emit('changed');
    } catch (error) {
      say(msg, error.message, true);
    }
  });
  on('namespaces', (list) => {
    const names = list.map((n) => n.name);
    if (!names.includes('default')) names.unshift('default');
    syncOptions(picker, names);
    setExport();
  });
  on('changed', () => { if (visible) refresh.now(); });
}

export function enter() {
  visible = true;
  refresh.start();
}

export function leave() {
  visible = false;
  refresh.stop();
}
