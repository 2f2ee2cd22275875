'use strict';
// prodgy-mock for Node: `start()` runs the platform package's binary on a free port and
// drives its admin API. index.mjs re-exports this file for ESM; index.d.cts/.d.mts type it.
//
// The process is started with `--port 0 --exit-on-stdin-eof`: the URL comes from its first
// stdout line, and it holds our end of its stdin, so it exits on `stop()` *or* when this
// Node process exits or dies. Once started it is unref'd: a forgotten mock never keeps Node
// alive.

const { spawn } = require('node:child_process');
const fs = require('node:fs');

/** Environment variable naming the binary to run instead of the platform package's. */
const BINARY_ENV = 'PRODGY_MOCK_BIN';
/** The built-in fixtures' token of the default product (Acme Support). */
const DEFAULT_TOKEN = 'prodgy_AcmeSupportDefaultToken000000001';

const LISTENING = 'prodgy-mock listening on ';
const FILTERS = ['method', 'path', 'route', 'status', 'namespace', 'limit'];
const OPTIONS = ['scenario', 'fixtures', 'seed', 'auth', 'clock', 'faithful', 'extraArgs', 'binary', 'startupTimeout'];

/** The npm package holding the binary for a platform, e.g. `@prodgy-mock/linux-x64`. */
function platformPackage(platform = process.platform, arch = process.arch) {
  return `@prodgy-mock/${platform}-${arch}`;
}

/** The binary to run: `PRODGY_MOCK_BIN`, else the one in this platform's package. */
function binaryPath() {
  const override = process.env[BINARY_ENV];
  if (override) {
    if (!fs.existsSync(override)) throw new Error(`prodgy-mock: ${BINARY_ENV}=${override} does not exist`);
    return override;
  }
  const pkg = platformPackage();
  const exe = process.platform === 'win32' ? 'prodgy-mock.exe' : 'prodgy-mock';
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    throw new Error(
      `prodgy-mock: no binary for ${process.platform}-${process.arch}: the package ${pkg} is not installed. ` +
        `It is an optional dependency of prodgy-mock: reinstall without --no-optional / --omit=optional, ` +
        `or set ${BINARY_ENV} to a prodgy-mock binary.`,
    );
  }
}

/** The flags an options object stands for (after `--port 0 --exit-on-stdin-eof`). */
function flags(options) {
  const unknown = Object.keys(options).filter((key) => !OPTIONS.includes(key));
  if (unknown.length) throw new TypeError(`prodgy-mock: unknown option ${unknown.join(', ')}; use ${OPTIONS.join(', ')}`);
  const args = [];
  const scenarios = options.scenario === undefined ? [] : [options.scenario].flat();
  for (const scenario of scenarios) args.push('--scenario', String(scenario));
  if (options.fixtures !== undefined) args.push('--fixtures', String(options.fixtures));
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  if (options.auth !== undefined) args.push('--auth', options.auth);
  if (options.clock !== undefined) {
    args.push('--clock', options.clock instanceof Date ? options.clock.toISOString() : String(options.clock));
  }
  if (options.faithful) args.push('--faithful');
  if (options.extraArgs !== undefined) {
    if (!Array.isArray(options.extraArgs)) throw new TypeError('prodgy-mock: extraArgs is an array of arguments');
    args.push(...options.extraArgs.map(String));
  }
  return args;
}

/** Starts a mock; resolves once it listens, rejects with its stderr when it cannot start. */
async function start(options = {}) {
  const binary = options.binary ?? binaryPath();
  const command = [binary, '--port', '0', '--exit-on-stdin-eof', ...flags(options)];
  const child = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  child.stdin.on('error', () => {}); // EPIPE when the mock has already exited: nothing to do
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? signal)));
  const timeout = options.startupTimeout ?? 30_000;
  const line = await firstLine(child, timeout);
  if (line === null || !line.startsWith(LISTENING)) {
    if (child.exitCode === null) child.kill('SIGKILL');
    const code = await exited;
    throw new Error(
      `prodgy-mock did not start (${command.join(' ')}): ` +
        (line === null ? `no listening line in ${timeout} ms` : `exit ${code}`) +
        (line ? `, first line ${JSON.stringify(line)}` : '') +
        (stderr.trim() ? `\n${stderr.trim()}` : ''),
    );
  }
  const url = line.slice(LISTENING.length).trim();
  let token;
  try {
    token = await defaultToken(url);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  refs(child, 'unref');
  return new ProdgyMock(child, url, token, exited);
}

/** (Un)refs the process and its pipes: unref'd, they do not keep Node's event loop alive. */
function refs(child, method) {
  for (const handle of [child, child.stdin, child.stdout, child.stderr]) handle[method]?.();
}

/** The first stdout line: '' when the process exits first, null past `timeoutMs`. */
function firstLine(child, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => finish(null), timeoutMs);
    const onData = (chunk) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end >= 0) finish(buffered.slice(0, end));
    };
    const onClose = () => finish('');
    const onError = (error) => {
      cleanup();
      reject(new Error(`prodgy-mock: cannot run ${child.spawnfile}: ${error.message}`));
    };
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('close', onClose);
      child.off('error', onError);
    }
    function finish(text) {
      cleanup();
      resolve(text === null ? null : text.trim());
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('close', onClose);
    child.once('error', onError);
  });
}

/**
 * An active token of the default product, read from the server's exported state
 * (`DEFAULT_TOKEN` when the admin API is off).
 */
async function defaultToken(url) {
  let state;
  try {
    state = await admin(url, 'GET', '/__admin/state');
  } catch {
    return DEFAULT_TOKEN;
  }
  const products = state.products ?? [];
  const product = (products.find((p) => p.default === true) ?? products[0])?.id;
  const now = (await admin(url, 'GET', '/__admin/clock')).unix_ms;
  const token = (state.tokens ?? []).find(
    (t) =>
      t.product_id === product &&
      t.status === 'active' &&
      t.is_active !== false &&
      (t.expires_at == null || Date.parse(t.expires_at) > now),
  );
  if (!token) throw new Error(`prodgy-mock: the fixtures have no active token for the default product ${product}`);
  return token.token;
}

async function admin(url, method, path, { query, body } = {}) {
  const search = query ? `?${new URLSearchParams(query)}` : '';
  let response;
  try {
    response = await fetch(`${url}${path}${search}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new Error(`prodgy-mock: ${method} ${path}: cannot reach the mock at ${url}: ${error.cause?.message ?? error.message}`);
  }
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`prodgy-mock: ${method} ${path}: ${response.status} ${payload.message ?? ''}`.trim());
  return payload.data;
}

function filterQuery(filter, allowed) {
  const unknown = Object.keys(filter).filter((key) => !allowed.includes(key));
  if (unknown.length) throw new TypeError(`prodgy-mock: unknown filter ${unknown.join(', ')}; use ${allowed.join(', ')}`);
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v != null).map(([k, v]) => [k, String(v)]));
}

/** A running mock (what `start()` resolves to). */
class ProdgyMock {
  #child;
  #exited;
  #scenarios = new Map();

  constructor(child, url, token, exited) {
    this.#child = child;
    this.#exited = exited;
    /** Base URL, e.g. `http://127.0.0.1:41234` (the API is under `/api`). */
    this.url = url;
    /** An active token of the default product. */
    this.token = token;
  }

  /** The process id. */
  get pid() {
    return this.#child.pid;
  }

  /** Request headers: the token, plus `X-Mock-Namespace` (and that namespace's scenario). */
  headers(namespace) {
    const headers = { 'X-API-Token': this.token };
    if (namespace !== undefined) {
      headers['X-Mock-Namespace'] = namespace;
      if (this.#scenarios.has(namespace)) headers['X-Mock-Scenario'] = this.#scenarios.get(namespace);
    }
    return headers;
  }

  /** The request journal, newest first; filter by method, path, route, status, namespace, limit. */
  async requests(filter = {}) {
    return admin(this.url, 'GET', '/__admin/requests', { query: filterQuery(filter, FILTERS) });
  }

  /** How many journaled requests pass the filter. */
  async count(filter = {}) {
    const query = filterQuery(filter, FILTERS.slice(0, -1));
    return (await admin(this.url, 'GET', '/__admin/requests/count', { query })).count;
  }

  /** Puts one namespace (or everything) back to the seed. */
  async reset(namespace) {
    await admin(this.url, 'POST', '/__admin/reset', { query: namespace === undefined ? undefined : { namespace } });
  }

  /** Moves the server clock forward by `seconds` (for every namespace); resolves to the new clock. */
  async advance(seconds) {
    return admin(this.url, 'POST', '/__admin/clock/advance', { body: { seconds } });
  }

  /** Activates scenarios for the whole server, or only for requests sent with `headers(namespace)`. */
  async useScenario(name, namespace) {
    const names = [name].flat();
    if (namespace === undefined) {
      await admin(this.url, 'POST', '/__admin/scenario', { body: { scenarios: names } });
      return;
    }
    const known = new Set((await admin(this.url, 'GET', '/__admin/scenario')).available.map((s) => s.name));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length) throw new Error(`prodgy-mock: unknown scenario ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
    this.#scenarios.set(namespace, names.join(','));
  }

  /** Closes the mock's stdin (it drains and exits 0); kills it after 10 s. Resolves to the exit code. */
  async stop() {
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null) {
      refs(child, 'ref'); // keep Node alive until the exit is seen
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await this.#exited;
      clearTimeout(timer);
      return code;
    }
    return this.#exited;
  }
}

module.exports = { BINARY_ENV, DEFAULT_TOKEN, binaryPath, defaultToken, platformPackage, start };
