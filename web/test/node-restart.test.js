// The Node host across a restart: one process starts a download and dies
// mid-way; the next one restores the queue from the journal file, reports the
// lost transfer, and resumes it with a Range request from the stored offset.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServer } from '../server.js';
import { testFileDigest } from '../test-files.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/restart-child.js', import.meta.url));
let server;
let dir;

before(async () => {
  server = await startServer({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'bits-queue-restart-'));
});

after(async () => {
  await new Promise((resolve) => server.server.close(resolve));
  server.server.closeAllConnections?.();
  await rm(dir, { recursive: true, force: true });
});

const child = async (...args) => JSON.parse((await run(process.execPath, [CHILD, ...args], { timeout: 120_000 })).stdout);

test('a download survives its process dying, resuming from the journal\'s offset', { timeout: 300_000 }, async () => {
  const journal = join(dir, 'journal.json');
  const local = join(dir, '64MiB.bin');
  const first = await child('start', journal, new URL('files/64MiB.bin', server.url).href, local);
  assert.ok(BigInt(first.bytes) >= 4n * 1024n * 1024n);

  const second = await child('finish', journal);
  // open() reported the dead transfer lost and its first turn started it again.
  assert.equal(second.restoredState, 'connecting', 'restored and restarted at once');
  assert.equal(second.state, 'transferred');
  const ranged = server.state.requests.filter((request) => request.range !== null);
  assert.equal(ranged.length, 1, JSON.stringify(server.state.requests));
  assert.equal(ranged[0].range, `bytes=${second.restoredBytes}-`, 'resumed at the stored offset');
  assert.ok(BigInt(second.restoredBytes) > 0n);
  const digest = createHash('sha256').update(await readFile(local)).digest('hex');
  assert.equal(digest, testFileDigest('64MiB.bin'));
});
