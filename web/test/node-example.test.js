// `npm run example`, stopped with Ctrl-C mid-download: the command it prints
// resumes the download (the dev server the first run held in its process is
// served again at the same address) and finishes it byte-exact.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testFileDigest } from '../test-files.js';

const WEB = fileURLToPath(new URL('..', import.meta.url));

/** Runs node with `args` in web/; `until(output)` true sends SIGINT. Resolves with the whole output. */
function run(args, until = () => false) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: WEB, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stopped = false;
    const take = (chunk) => {
      output += chunk;
      if (!stopped && until(output)) {
        stopped = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('the command printed at Ctrl-C resumes the download and finishes it', { timeout: 240_000 }, async () => {
  // Stop once 8 MiB have arrived (the progress line: "transferring 8.0 MiB of 64 MiB").
  const first = await run(['examples/node-example.js'], (output) => /transferring\s+(\d+(\.\d+)?) MiB of 64 MiB/.test(output) && Number(/transferring\s+(\d+(?:\.\d+)?) MiB/.exec(output.split('\r').at(-1))?.[1] ?? 0) >= 8);
  assert.equal(first.code, 130, first.output);
  const hint = /run again with: node (examples\/node-example\.js) (\S+) (\S+)/.exec(first.output);
  assert.ok(hint, first.output);
  const [, script, url, dir] = hint;
  try {
    const second = await run([script, url, dir]);
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /done: /);
    const local = join(dir, '64MiB.bin');
    assert.equal(createHash('sha256').update(await readFile(local)).digest('hex'), testFileDigest('64MiB.bin'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
