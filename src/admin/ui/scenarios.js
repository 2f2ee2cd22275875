// Scenarios: the active set of the whole server or of one namespace; switch to one, add or
// remove one, clear, restart the counters, and read a scenario's file as written.
// (`/__admin/scenario`, `/__admin/scenario/{name}`, `/__admin/scenario/reset`.)

import { api, emit, h, json, on, say, syncOptions } from './lib.js';

const $ = (id) => document.getElementById(id);
const target = $('sc-target');
const msg = $('sc-msg');
let data = null;
let own = []; // namespaces running their own scenarios
let visible = false;

const namespace = () => target.value || undefined;

let shown = '';

async function load() {
  data = await api('/__admin/scenario', { query: { namespace: namespace() } });
  render();
}

function describeActive() {
  const names = data.active.length ? data.active.join(', ') : 'nothing';
  const none = data.active.length ? '' : ' (no scenario: every route answers from the state)';
  if (!data.namespace) {
    const others = own.length ? ` Namespaces with their own set are not affected: ${own.join(', ')}.` : '';
    return `The whole server runs ${names}${none}.${others}`;
  }
  return data.own
    ? `Namespace ${data.namespace} runs its own set: ${names}${none}. Clear gives it the server's back.`
    : `Namespace ${data.namespace} runs the server's set: ${names}${none}.`;
}

/** Renders `data` when it changed, keeping the keyboard focus on the same scenario's row. */
function render() {
  const text = JSON.stringify([data, own]);
  if (text === shown) return;
  shown = text;
  $('sc-active').textContent = describeActive();
  const focused = document.activeElement?.closest?.('#sc-rows button');
  const refocus = focused && [focused.dataset.scenario, focused.dataset.action];
  const active = new Set(data.active);
  const rows = data.available.map((s) => {
    const on = active.has(s.name);
    const tags = [s.rate_limit ? h('span', { className: 'tag' }, 'rate limit') : null,
      on ? h('span', { className: 'tag' }, 'active') : null];
    const warnings = s.warnings.map((w) => h('div', { className: 'warn-text' }, '⚠ ' + w));
    const button = (label, action, title) => h('button', {
      type: 'button', className: 'small', title, 'data-action': action, 'data-scenario': s.name,
    }, label);
    return h('tr', { className: on ? 'on' : '' },
      h('td', null, s.name, ...tags),
      h('td', null, s.description || '', ...warnings),
      h('td', null, s.source),
      h('td', null, s.rules),
      h('td', null, h('div', { className: 'actions' },
        button('Use only this', 'only', `Run only ${s.name}`),
        on ? button('Remove', 'remove', `Stop running ${s.name}`) : button('Add', 'add', `Run ${s.name} after the active ones`),
        button('Rules', 'show', `Show ${s.name}'s file`))));
  });
  $('sc-rows').replaceChildren(...rows);
  if (refocus) {
    const [name, action] = refocus;
    const same = [...$('sc-rows').querySelectorAll('button')].filter((b) => b.dataset.scenario === name);
    (same.find((b) => b.dataset.action === action) || same[1] || same[0])?.focus();
  }
}

async function switchTo(names, what) {
  data = await api('/__admin/scenario', { method: 'PUT', body: { scenarios: names, namespace: namespace() } });
  render();
  say(msg, what);
  emit('changed');
}

async function act(action, name) {
  const current = data.active;
  const where = namespace() ? `namespace ${namespace()}` : 'the whole server';
  if (action === 'only') return switchTo([name], `${where} now runs ${name}`);
  if (action === 'add') return switchTo([...current, name], `${name} added for ${where}`);
  if (action === 'remove') return switchTo(current.filter((n) => n !== name), `${name} removed for ${where}`);
  if (action === 'show') return showFile(name);
}

async function showFile(name) {
  const scenario = await api('/__admin/scenario/' + encodeURIComponent(name));
  const card = $('sc-file');
  card.replaceChildren(
    h('h2', null, `${scenario.name}: its file as written (${scenario.source})`),
    h('pre', { className: 'code' }, json(scenario.file)));
  card.hidden = false;
  card.scrollIntoView({ block: 'nearest' });
}

const guarded = (fn) => async (...args) => {
  try {
    await fn(...args);
  } catch (error) {
    say(msg, error.message, true);
  }
};

export function init() {
  $('sc-rows').addEventListener('click', guarded(async (event) => {
    const button = event.target.closest('button[data-action]');
    if (button) await act(button.dataset.action, button.dataset.scenario);
  }));
  target.addEventListener('change', guarded(load));
  $('sc-clear').addEventListener('click', guarded(async () => {
    data = await api('/__admin/scenario', { method: 'DELETE', query: { namespace: namespace() } });
    render();
    say(msg, namespace() ? `namespace ${namespace()} runs the server's scenarios again` : 'the server runs no scenario');
    emit('changed');
  }));
  $('sc-reset').addEventListener('click', guarded(async () => {
    await api('/__admin/scenario/reset', { method: 'POST' });
    say(msg, 'counters and rate-limit windows restarted');
    emit('changed');
  }));
  on('namespaces', (list) => {
    syncOptions(target, list.map((n) => n.name), 1);
    own = list.filter((n) => n.scenarios).map((n) => n.name);
  });
  on('health', () => { if (visible) guarded(load)(); });
}

export function enter() {
  visible = true;
  guarded(load)();
}

export function leave() {
  visible = false;
}
