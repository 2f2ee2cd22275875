'use strict';
// The action's main step (action.yml): install prodgy-mock from PyPI into a venv under
// RUNNER_TEMP (unless `binary` is given), start it detached with --ready-file, wait for that
// file, export PRODGY_MOCK_URL and PRODGY_MOCK_TOKEN, and leave the pid for post.cjs.
// No dependencies: inputs, env, outputs and state go through the runner's env and files.

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { defaultToken } = require('../npm/prodgy-mock/index.cjs');

const windows = process.platform === 'win32';
const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
const record = (file, name, value) => {
  if (process.env[file]) fs.appendFileSync(process.env[file], `${name}=${value}${os.EOL}`);
};

/** The version to install: the input, else this action's own (its Cargo.toml). */
function version() {
  if (input('version')) return input('version');
  const manifest = fs.readFileSync(path.join(__dirname, '..', 'Cargo.toml'), 'utf8');
  return manifest.match(/^version\s*=\s*"([^"]+)"/m)[1];
}

function install(temp) {
  const venv = path.join(temp, 'prodgy-mock-venv');
  const bin = path.join(venv, windows ? 'Scripts' : 'bin');
  const wanted = `prodgy-mock==${version()}`;
  console.log(`Installing ${wanted} from PyPI into ${venv}`);
  execFileSync(windows ? 'python' : 'python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(path.join(bin, 'python'), ['-m', 'pip', 'install', '--quiet', wanted], { stdio: 'inherit' });
  return path.join(bin, windows ? 'prodgy-mock.exe' : 'prodgy-mock');
}

function flags() {
  const args = ['--port', input('port') || '0'];
  for (const scenario of input('scenario').split(',').map((s) => s.trim()).filter(Boolean)) {
    args.push('--scenario', scenario);
  }
  for (const name of ['seed', 'fixtures', 'clock', 'auth']) {
    if (input(name)) args.push(`--${name}`, input(name));
  }
  return args.concat(input('args').split(/\s+/).filter(Boolean));
}

/** Resolves to the URL once the ready file appears; rejects with the log if the mock exits. */
function ready(child, file, log) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 30_000;
    const failed = (why) => reject(new Error(`prodgy-mock ${why}:\n${fs.readFileSync(log, 'utf8')}`));
    child.once('exit', (code) => failed(`exited with code ${code}`));
    const poll = () => {
      if (fs.existsSync(file)) return resolve(fs.readFileSync(file, 'utf8').trim());
      if (Date.now() > deadline) return failed('wrote no ready file in 30 s');
      setTimeout(poll, 50);
    };
    poll();
  });
}

async function main() {
  const temp = process.env.RUNNER_TEMP || os.tmpdir();
  const binary = input('binary') || install(temp);
  const readyFile = path.join(temp, `prodgy-mock-${process.pid}.url`);
  const log = path.join(temp, `prodgy-mock-${process.pid}.log`);
  const out = fs.openSync(log, 'a');
  const args = [...flags(), '--ready-file', readyFile];
  console.log(`${binary} ${args.join(' ')}`);
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', out, out], windowsHide: true });
  const url = await ready(child, readyFile, log);
  child.removeAllListeners('exit');
  child.unref();
  const token = await defaultToken(url);
  record('GITHUB_ENV', 'PRODGY_MOCK_URL', url);
  record('GITHUB_ENV', 'PRODGY_MOCK_TOKEN', token);
  record('GITHUB_OUTPUT', 'url', url);
  record('GITHUB_OUTPUT', 'token', token);
  record('GITHUB_STATE', 'pid', child.pid);
  record('GITHUB_STATE', 'ready_file', readyFile);
  record('GITHUB_STATE', 'log', log);
  console.log(`prodgy-mock is listening on ${url} (pid ${child.pid}); PRODGY_MOCK_URL is set for the next steps`);
}

main().catch((error) => {
  console.log(`::error title=prodgy-mock::${error.message.split('\n')[0]}`);
  console.error(error.message);
  process.exit(1);
});
