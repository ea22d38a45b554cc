// The engine host on Node (node/index.js): real downloads from the dev
// server on 127.0.0.1 into a scratch directory, with the journal file.
// One process holds one queue, so these tests share it and run in order.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openQueue } from '../node/index.js';
import { startServer } from '../server.js';
import { testFileDigest } from '../test-files.js';

let server;
let dir;
let queue;
const notices = [];

before(async () => {
  server = await startServer({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'bits-queue-node-host-'));
  queue = await openQueue({ journal: join(dir, 'journal.json'), events: { notify: (n) => notices.push(n) } });
});

after(async () => {
  await queue?.close();
  await new Promise((resolve) => (server ? server.server.close(resolve) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sha256 = async (path) => createHash('sha256').update(await readFile(path)).digest('hex');

/** A download job of one file, resumed; `settings(job)` runs before resume. */
async function download(name, local, settings = () => {}) {
  const job = await queue.change(() => {
    const created = queue.jobs.createJob(name, 'download');
    created.addFile(new URL(`files/${name}`, server.url).href, local);
    settings(created);
    created.resume();
    return created;
  });
  return job;
}

test('a download from the dev server completes, and its bytes match', { timeout: 60_000 }, async () => {
  const local = join(dir, '1MiB.bin');
  const job = await download('1MiB.bin', local);
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred');
  assert.equal(job.getProgress().bytesTransferred, 1048576n);
  await queue.change(() => job.complete());
  assert.equal(await sha256(local), testFileDigest('1MiB.bin'));
  // The commit renamed the temporary file: none is left.
  assert.deepEqual((await readdir(dir)).filter((name) => name.endsWith('.tmp')), []);
  assert.ok(notices.some((n) => n.event === 'transferred' && n.guid === queue.component.types.guidToString(job.getId())));
});

test('a connection dropped halfway resumes with a Range request', { timeout: 60_000 }, async () => {
  const local = join(dir, 'dropped.bin');
  server.state.dropNext = true;
  const before = server.state.requests.length;
  // The shortest retry delay the queue allows (5 s) keeps the test short.
  const job = await download('1MiB.bin', local, (created) => created.setMinimumRetryDelay(5));
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred');
  const requests = server.state.requests.slice(before);
  assert.equal(requests[0].dropped, true, 'the first request was dropped');
  const resumed = requests.find((request) => request.range !== null);
  assert.ok(resumed, `a Range request followed: ${JSON.stringify(requests)}`);
  assert.match(resumed.range, /^bytes=[1-9]\d*-$/);
  assert.equal(resumed.status, 206);
  await queue.change(() => job.complete());
  assert.equal(await sha256(local), testFileDigest('1MiB.bin'));
});

test('a 404 ends in error with 0x80190194', { timeout: 60_000 }, async () => {
  const job = await download('missing.bin', join(dir, 'missing.bin'));
  assert.equal(await queue.waitFor(job, ['error', 'transferred']), 'error');
  const error = job.getError();
  assert.equal(error.hresult, 0x80190194);
  assert.equal(error.context, 'remote-file');
  assert.equal(error.fileIndex, 0);
  assert.ok(notices.some((n) => n.event === 'error'));
  await queue.change(() => job.cancel());
});

test('the journal file holds the queue after every change', { timeout: 60_000 }, async () => {
  const job = await queue.change(() => queue.jobs.createJob('kept in the journal', 'download'));
  const stored = JSON.parse(await readFile(join(dir, 'journal.json'), 'utf8'));
  const guid = queue.component.types.guidToString(job.getId());
  assert.ok(stored.jobs.some(({ id }) => queue.component.types.guidToString(id) === guid));
  await queue.change(() => job.cancel());
  const after = JSON.parse(await readFile(join(dir, 'journal.json'), 'utf8'));
  assert.ok(!after.jobs.some(({ id }) => queue.component.types.guidToString(id) === guid), 'a cancelled job leaves the journal');
});
