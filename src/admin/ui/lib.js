// Small helpers shared by the views: the admin API client, element building, formatting and
// a poller that never overlaps itself.

/** Calls the admin API and answers the envelope's `data`; throws with the envelope's message. */
export async function api(path, { method = 'GET', body, query } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, v);
    }
    const text = params.toString();
    if (text) url += '?' + text;
  }
  const init = { method, headers: { Accept: 'application/json' }, cache: 'no-store' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (cause) {
    const error = new Error(`the mock does not answer (${cause.message})`);
    error.network = true;
    throw error;
  }
  let doc;
  try {
    doc = await response.json();
  } catch {
    throw new Error(`${method} ${path} answered ${response.status}`);
  }
  if (!response.ok || doc.success === false) {
    throw new Error(doc.message || `${method} ${path} answered ${response.status}`);
  }
  return doc.data;
}

/** `h('td', {className: 'x'}, 'text', child)`: an element with properties and children. */
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'for') {
        node.setAttribute(k, v === true ? '' : v);
      } else {
        node[k] = v;
      }
    }
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A body as text, pretty-printed when it is JSON. */
export function pretty(text) {
  if (text === null || text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** JSON pretty-printed. */
export const json = (value) => JSON.stringify(value, null, 2);

/** `2026-03-05T14:30:00.123Z` → `14:30:00.123`. */
export function timeOf(rfc3339) {
  const date = new Date(rfc3339);
  return isNaN(date) ? String(rfc3339) : date.toISOString().slice(11, 23);
}

/** `2026-03-05T14:30:00Z` → `2026-03-05 14:30:00 UTC`. */
export function clockText(rfc3339) {
  const date = new Date(rfc3339);
  return isNaN(date) ? String(rfc3339) : date.toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
}

/** A number of seconds as `1h 02m 03s`. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60), ss = s % 60;
  if (d) return `${d}d ${hh}h ${String(mm).padStart(2, '0')}m`;
  if (hh) return `${hh}h ${String(mm).padStart(2, '0')}m ${String(ss).padStart(2, '0')}s`;
  if (mm) return `${mm}m ${String(ss).padStart(2, '0')}s`;
  return `${ss}s`;
}

/** The CSS class of a status: `s2` … `s5`, `s0` for a connection a scenario aborted. */
export const statusClass = (status) => 's' + Math.floor(status / 100);

/** What happens between views: `namespaces`, `health`, `clock`, `changed` (state moved). */
export const bus = new EventTarget();
export const emit = (name, detail) => bus.dispatchEvent(new CustomEvent(name, { detail }));
export const on = (name, fn) => bus.addEventListener(name, (e) => fn(e.detail));

/** Runs `fn` every `ms` while started; the next run is scheduled when the last one ends. */
export function poller(ms, fn) {
  let timer = null, running = false, generation = 0;
  const tick = async () => {
    const mine = generation;
    try {
      await fn();
    } catch (error) {
      emit('failure', error);
    }
    if (running && mine === generation) timer = setTimeout(tick, ms);
  };
  return {
    start() {
      if (running) return;
      running = true;
      generation++;
      tick();
    },
    stop() {
      running = false;
      generation++;
      clearTimeout(timer);
    },
    /** Runs now (and goes on every `ms` when started). */
    now() {
      if (!running) return fn().catch((error) => emit('failure', error));
      clearTimeout(timer);
      generation++;
      return tick();
    },
  };
}

/** Keeps the options of a `<select>` (after its fixed ones) equal to `names`, and its value. */
export function syncOptions(select, names, fixed = 0) {
  const current = [...select.options].slice(fixed).map((o) => o.value);
  if (current.length === names.length && current.every((v, i) => v === names[i])) return;
  const value = select.value;
  while (select.options.length > fixed) select.remove(fixed);
  for (const name of names) select.add(new Option(name, name));
  if ([...select.options].some((o) => o.value === value)) select.value = value;
}

/** Keeps the options of a `<datalist>` equal to `names`. */
export function syncList(list, names) {
  list.replaceChildren(...names.map((name) => new Option(name)));
}

/** A line in a view's status area, cleared after a while. */
export function say(node, text, bad = false) {
  node.textContent = text;
  node.classList.toggle('bad', bad);
  clearTimeout(node._timer);
  node._timer = setTimeout(() => { node.textContent = ''; }, bad ? 8000 : 4000);
}
