#!/usr/bin/env node
'use strict';
// `npx prodgy-mock …`: runs the platform package's binary with these arguments, forwards
// signals to it, and exits as it does. No install script: the binary arrived with the
// optional dependency for this platform.
const { spawn } = require('node:child_process');
const { binaryPath } = require('../index.cjs');

let binary;
try {
  binary = binaryPath();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });
const forward = (signal) => child.kill(signal);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);
child.on('error', (error) => {
  console.error(`prodgy-mock: cannot run ${binary}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
