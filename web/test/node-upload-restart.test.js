// The Node host's uploads across a restart: one process uploads to the JS
// BITS server and is killed mid-upload (its third Fragment never answered);
// the next one restores the queue from the journal file and continues the
// same session from the stored offset, ending byte-exact.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startBitsServer } from '../bits-server.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/upload-child.js', import.meta.url));
const FRAGMENT = 64 * 1024;
let bits;
let dir;

before(async () => {
  bits = await startBitsServer();
  dir = await mkdtemp(join(tmpdir(), 'bits-queue-upload-restart-'));
});

after(async () => {
  await bits?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const child = async (...args) => JSON.parse((await run(process.execPath, [CHILD, ...args], { timeout: 120_000 })).stdout);

test('an upload survives its process dying, continuing its session from the server\'s offset', { timeout: 300_000 }, async () => {
  const journal = join(dir, 'journal.json');
  const local = join(dir, 'restarted.bin');
  const bytes = randomBytes(6 * FRAGMENT + 7);
  await writeFile(local, bytes);
  // Create-Session and two Fragments are answered; the third is held until the process dies.
  bits.fault('pass', 'pass', 'pass', 'hold');
  const first = spawn(process.execPath, [CHILD, 'start', journal, bits.url('/up/restarted.bin'), local], { stdio: 'inherit' });
  const exited = new Promise((resolve) => first.once('exit', resolve));
  const held = () => bits.log.some((p) => p.packetType === 'Fragment' && p.status === 0);
  while (!held()) await new Promise((resolve) => setTimeout(resolve, 20));
  // Like a crash: the stored job is still transferring.
  first.kill('SIGKILL');
  await exited;

  const second = await child('finish', journal);
  const restored = Number(second.restoredBytes);
  // The journal holds an offset the server acknowledged (the last one, unless the kill came before it was stored).
  assert.ok(restored === FRAGMENT || restored === 2 * FRAGMENT, second.restoredBytes);
  assert.equal(second.state, 'transferred');
  assert.deepEqual(bits.file('/up/restarted.bin'), bytes);
  const packets = bits.log.filter((p) => p.path === '/up/restarted.bin');
  assert.equal(packets.filter((p) => p.packetType === 'Create-Session').length, 1, 'the same session continued');
  const sent = packets.filter((p) => p.packetType === 'Fragment').map((p) => [Number(/^bytes (\d+)-/.exec(p.range)[1]), p.status]);
  // The upload goes on from the stored offset, in the same session: no 416, no byte lost.
  assert.deepEqual(sent, [[0, 200], [FRAGMENT, 200], [2 * FRAGMENT, 0], ...[...new Set([restored / FRAGMENT, 2, 3, 4, 5, 6])].map((i) => [i * FRAGMENT, 200])]);
  assert.equal(new Set(packets.slice(1).map((p) => p.session)).size, 1);
});
