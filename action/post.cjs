'use strict';
// The action's post step (runs when the job ends, pass or fail): report how many requests
// the mock served, stop it with SIGTERM (it drains and removes its ready file), kill it if
// it is still there after 10 s, and print its log.

const fs = require('node:fs');

const pid = Number(process.env.STATE_pid);
const readyFile = process.env.STATE_ready_file;
const log = process.env.STATE_log;

const alive = () => {
  try {
    process.kill(pid, 0);
    return fs.existsSync(readyFile) || process.platform === 'win32';
  } catch {
    return false;
  }
};

async function main() {
  if (!pid) return console.log('prodgy-mock was not started');
  if (fs.existsSync(readyFile)) {
    const url = fs.readFileSync(readyFile, 'utf8').trim();
    try {
      const count = (await (await fetch(`${url}/__admin/requests/count`)).json()).data.count;
      console.log(`prodgy-mock at ${url} has ${count} requests in its journal`);
    } catch {
      // the admin API may be off (--admin off): nothing to report
    }
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return console.log('prodgy-mock had already stopped');
  }
  const deadline = Date.now() + 10_000;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (alive()) {
    console.log('prodgy-mock did not stop within 10 s: killing it');
    process.kill(pid, 'SIGKILL');
  } else {
    console.log('prodgy-mock stopped');
  }
  if (log && fs.existsSync(log)) {
    console.log('::group::prodgy-mock log');
    console.log(fs.readFileSync(log, 'utf8'));
    console.log('::endgroup::');
  }
}

main().catch((error) => {
  console.log(`::warning title=prodgy-mock::${error.message}`);
});
