// The small views: rate limits (`/__admin/ratelimits`), the clock (`/__admin/clock`,
// `/__admin/clock/advance`) and health (`/__admin/health`).

import { api, clockText, duration, emit, h, json, on, poller, say } from './lib.js';

const $ = (id) => document.getElementById(id);

/** The server clock, as last read (rate-limit resets are on it, not on this machine's). */
let serverNow = null;
on('clock', (data) => { serverNow = data.unix; });

const bucketsPoll = poller(1000, async () => {
  const buckets = await api('/__admin/ratelimits');
  $('rl-empty').hidden = buckets.length > 0;
  $('rl-rows').replaceChildren(...buckets.map((b) => {
    const left = serverNow === null ? '' : ` (in ${duration(b.reset - serverNow)})`;
    return h('tr', { className: b.exhausted ? 'exhausted' : '' },
      h('td', null, b.namespace),
      h('td', null, b.class),
      h('td', { className: 'mono' }, b.caller),
      h('td', null, h('span', { className: 'st ' + (b.exhausted ? 's4' : 's2') }, `${b.remaining} / ${b.limit}`),
        b.exhausted ? ' exhausted: the next call is 429' : ''),
      h('td', { className: 'mono' }, clockText(new Date(b.reset * 1000).toISOString()).slice(11) + left),
      h('td', null, b.exhausted ? `${b.retry_after} s` : '—'));
  }));
});

/** Rate limits: each live bucket, polled every second while shown. */
export const ratelimits = {
  init() {},
  enter: () => bucketsPoll.start(),
  leave: () => bucketsPoll.stop(),
};

async function advance(seconds) {
  const msg = $('clk-msg');
  if (!(seconds >= 0)) {
    say(msg, 'Give a number of seconds, zero or more.', true);
    return;
  }
  try {
    const data = await api('/__admin/clock/advance', { method: 'POST', body: { seconds } });
    emit('clock', data);
    emit('changed');
    say(msg, `Advanced ${duration(seconds)}: now ${clockText(data.now)}.`);
  } catch (error) {
    say(msg, error.message, true);
  }
}

/** The clock: the server time, frozen or running, and advancing it. */
export const clock = {
  init() {
    on('clock', (data) => {
      $('clk-now').textContent = clockText(data.now);
      $('clk-mode').textContent = data.frozen
        ? 'Frozen (started with --clock): it moves only when advanced.'
        : 'Running: it follows real time, plus whatever it was advanced by.';
    });
    $('clk-advance').addEventListener('click', () => {
      advance(Number($('clk-n').value) * Number($('clk-unit').value));
    });
    $('clk-n').addEventListener('keydown', (event) => {
      if (event.key === 'Enter') $('clk-advance').click();
    });
    for (const button of document.querySelectorAll('[data-advance]')) {
      button.addEventListener('click', () => advance(Number(button.dataset.advance)));
    }
  },
};

function facts(node, pairs) {
  node.replaceChildren(...pairs.flatMap(([term, value, bad]) => [
    h('dt', null, term), h('dd', { className: bad ? 'bad' : '' }, value)]));
}

/** Health: version, uptime, fixtures, the latest reload and its outcome (fed by the header). */
export const health = {
  init() {
    on('health', (d) => {
      facts($('hl-facts'), [
        ['version', d.version],
        ['uptime', duration(d.uptime_seconds)],
        ['fixtures', d.fixtures],
        ['server clock', clockText(d.clock)],
        ['scenarios (server)', d.scenario.join(', ')],
        ['auth', d.auth],
        ['faithful', d.faithful ? 'on' : 'off'],
        ['namespaces', d.namespaces.join(', ')],
        ['journal', `${d.journal.size} of ${d.journal.capacity} entries`],
      ]);
      const r = d.reload;
      const when = r.seconds_ago === null ? '' : ` (${duration(r.seconds_ago)} ago)`;
      const outcome = r.attempts === 0 ? 'none yet'
        : r.error ? `refused${when}: ${r.error}. The previous fixtures and scenarios are still served.`
          : `applied${when}: ${r.changed.join(', ') || 'no file named'}`;
      facts($('hl-reload'), [
        ['watching', r.watching ? 'yes' : 'no (--no-watch)'],
        ['latest', outcome, Boolean(r.error)],
        ['attempts', `${r.attempts} (${r.applied} applied, ${r.unchanged} unchanged)`],
      ]);
      $('hl-raw').textContent = json(d);
    });
  },
};
