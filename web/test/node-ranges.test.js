// Ranged files (docs/contract.md §16.4) and a file found invalid (§16.6) on
// the Node engine host: real downloads from the dev server on 127.0.0.1
// into a scratch directory. One process holds one queue, so these tests
// share it and run in order.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openQueue } from '../node/index.js';
import { LENGTH_TO_EOF } from '../public/engine/ranges.js';
import { startServer } from '../server.js';
import { testFileBytes } from '../test-files.js';

const SIZE = 1024 * 1024;
let server;
let dir;
let queue;

before(async () => {
  server = await startServer({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'bits-queue-node-ranges-'));
  queue = await openQueue({ journal: join(dir, 'journal.json') });
});

after(async () => {
  await queue?.close();
  await new Promise((resolve) => (server ? server.server.close(resolve) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The bytes of `ranges` of the 1 MiB test file, packed in order. */
function packed(ranges) {
  return Buffer.concat(
    ranges.map(({ offset, length }) => {
      const end = length === LENGTH_TO_EOF ? SIZE : Number(offset + length);
      return testFileBytes(Number(offset), end);
    }),
  );
}

/** A resumed download job of `ranges` of 1MiB.bin to `local`. */
function ranged(local, ranges, settings = () => {}) {
  return queue.change(() => {
    const job = queue.jobs.createJob('ranged', 'download');
    job.addFileWithRanges(new URL('files/1MiB.bin', server.url).href, local, ranges);
    settings(job);
    job.resume();
    return job;
  });
}

test('a ranged file holds exactly the ranges asked, one request each', { timeout: 60_000 }, async () => {
  const local = join(dir, 'ranged.bin');
  const ranges = [
    { offset: 700_000n, length: 1_000n },
    { offset: 10n, length: 70_000n },
    { offset: 1_000_000n, length: LENGTH_TO_EOF },
  ];
  const before = server.state.requests.length;
  const job = await ranged(local, ranges);
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred', JSON.stringify(job.getError()));
  assert.equal(job.getProgress().bytesTotal, 71_000n + BigInt(SIZE - 1_000_000));
  const asked = server.state.requests.slice(before).map((r) => [r.range, r.status]);
  assert.deepEqual(asked, [
    ['bytes=700000-700999', 206],
    ['bytes=10-70009', 206],
    ['bytes=1000000-', 206],
  ]);

  // Found invalid: its bytes go, the job is in error, resume fetches it again.
  await queue.change(() => job.setFileValidationState(0, false));
  assert.equal(job.getState(), 'error');
  assert.equal(job.getError().hresult, 0x80200053);
  assert.equal(job.getFileProgress()[0].bytesTransferred, 0n);
  await queue.change(() => job.resume());
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred');
  assert.equal(server.state.requests.length - before, 6, 'every range fetched again');
  await queue.change(() => job.complete());
  assert.deepEqual(await readFile(local), packed(ranges));
});

test('a ranged file resumes inside the range a drop cut', { timeout: 60_000 }, async () => {
  const local = join(dir, 'dropped.bin');
  const ranges = [{ offset: 100_000n, length: 400_000n }];
  server.state.dropNext = true;
  const before = server.state.requests.length;
  const job = await ranged(local, ranges, (created) => created.setMinimumRetryDelay(5));
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred', JSON.stringify(job.getError()));
  const requests = server.state.requests.slice(before);
  assert.equal(requests[0].dropped, true);
  assert.match(requests[1].range, /^bytes=(\d+)-499999$/);
  assert.ok(Number(/^bytes=(\d+)-/.exec(requests[1].range)[1]) > 100_000, requests[1].range);
  await queue.change(() => job.complete());
  assert.deepEqual(await readFile(local), packed(ranges));
});

test('a range past the remote end ends the job with BG_E_INVALID_RANGE', { timeout: 60_000 }, async () => {
  const job = await ranged(join(dir, 'past.bin'), [{ offset: 2_000_000n, length: 5n }]);
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'error');
  assert.equal(job.getError().hresult, 0x8020002b);
  assert.equal(job.getError().context, 'remote-file');
  await queue.change(() => job.cancel());
});
