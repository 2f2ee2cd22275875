// The dashboard's shell: the views behind the header's tabs (the URL's #hash picks one), and
// the header itself (server scenarios, a failed reload, the server clock, the connection).
// Every view reads the admin API only; see README "Dashboard".

import { api, clockText, emit, on, poller } from './lib.js';
import * as requests from './requests.js';
import * as scenarios from './scenarios.js';
import * as state from './state.js';
import { clock, health, ratelimits } from './panels.js';

const views = { requests, scenarios, ratelimits, state, clock, health };
let current = null;

function show(name) {
  if (!views[name]) name = 'requests';
  if (current === name) return;
  if (current) {
    views[current].leave?.();
    document.getElementById('view-' + current).hidden = true;
  }
  current = name;
  document.getElementById('view-' + name).hidden = false;
  for (const a of document.querySelectorAll('.bar nav a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  views[name].enter?.();
}

// The header: health every 2 s (scenarios, reload outcome), the clock every second, the live
// namespaces every 2 s for every namespace picker.
const conn = document.getElementById('hdr-conn');
let failures = 0;
on('failure', (error) => {
  if (!error.network) {
    console.error(error);
    return;
  }
  failures++;
  conn.textContent = 'disconnected';
  conn.className = 'conn down';
  conn.title = error.message;
});
const alive = () => {
  if (failures) setTimeout(() => headerHealth.now()); // back: was it restarted?
  if (failures || !conn.classList.contains('live')) {
    failures = 0;
    conn.textContent = 'live';
    conn.className = 'conn live';
    conn.title = 'Polling the admin API';
  }
};

let serverScenarios = 'default';
let ownScenarios = 0; // namespaces that run their own set
function scenarioBadge() {
  const badge = document.getElementById('hdr-scenario');
  const own = ownScenarios === 0 ? '' : ownScenarios === 1 ? ' (+1 namespace with its own)'
    : ` (+${ownScenarios} namespaces with their own)`;
  badge.textContent = `scenario: ${serverScenarios}${own}`;
  badge.classList.toggle('warn', serverScenarios !== 'default' || ownScenarios > 0);
}

// A mock restarted on the same port numbers its journal from 1 again: the lists start over
// (and a new version reloads the page, whose files may have changed).
let started = null;
let version = null;
function noticeRestart(data) {
  const start = Date.now() - data.uptime_seconds * 1000;
  if (version !== null && data.version !== version) location.reload();
  if (started !== null && Math.abs(start - started) > 2500) emit('restarted', data);
  started = start;
  version = data.version;
}

const headerHealth = poller(2000, async () => {
  const data = await api('/__admin/health');
  alive();
  noticeRestart(data);
  emit('health', data);
  serverScenarios = data.scenario.join(', ');
  scenarioBadge();
  document.getElementById('hdr-reload').hidden = !data.reload.error;
});

const headerClock = poller(1000, async () => {
  const data = await api('/__admin/clock');
  alive();
  emit('clock', data);
});
on('clock', (data) => {
  const node = document.getElementById('hdr-clock');
  node.textContent = clockText(data.now) + (data.frozen ? ' · frozen' : '');
});

const namespaces = poller(2000, async () => {
  const list = await api('/__admin/namespaces');
  ownScenarios = list.filter((n) => n.scenarios).length;
  scenarioBadge();
  emit('namespaces', list);
});
on('changed', () => {
  headerHealth.now();
  headerClock.now();
  namespaces.now();
});

window.addEventListener('hashchange', () => show(location.hash.slice(1)));
requests.init();
scenarios.init();
state.init();
for (const view of [clock, health, ratelimits]) view.init();
show(location.hash.slice(1) || 'requests');
headerHealth.start();
headerClock.start();
namespaces.start();
