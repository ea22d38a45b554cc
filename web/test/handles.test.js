// Disposing a job handle releases it. What is observable from outside:
// - in JS, jco invalidates the handle: any later call throws a TypeError;
// - in the guest, the handle's reference to the job is dropped, which shows
//   as a heap that stops growing. The guest's allocator (dlmalloc) never
//   gives pages back, so "released" is measured as "memory stays flat over
//   many create/dispose rounds", with a control showing the same rounds
//   without disposing do grow it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dispose, listJobs } from '../public/jobs.js';
import { loadComponent } from './component.js';

const { manager, types, memoryBytes } = await loadComponent();
const jobManager = new manager.JobManager();
const ROUNDS = 20_000;

test('a disposed handle cannot be used; the job stays in the queue', () => {
  const job = jobManager.createJob('outlives its handle', 'download');
  const id = job.getId();
  dispose(job);
  assert.throws(() => job.getId(), TypeError);
  assert.throws(() => job.cancel(), TypeError);
  dispose(job); // a second dispose is a no-op

  const again = jobManager.getJob(id);
  assert.equal(again.getDisplayName(), 'outlives its handle');
  assert.equal(again.getState(), 'suspended');
  again.cancel();
  dispose(again);
});

test('every handle enum-jobs returns can be disposed, each its own', () => {
  const created = ['a', 'b', 'c'].map((name) => jobManager.createJob(name, 'download'));
  const listed = jobManager.enumJobs();
  assert.ok(listed.length >= 3);
  // Dispose all but the last: the last must still work (jco's list loop once
  // gave every element the last one's dispose; see scripts/jco-fixups.js).
  listed.slice(0, -1).forEach(dispose);
  const last = listed.at(-1);
  assert.equal(last.getDisplayName(), 'c');
  for (const handle of listed.slice(0, -1)) assert.throws(() => handle.getId(), TypeError);
  dispose(last);
  assert.throws(() => last.getId(), TypeError);
  for (const job of created) job.cancel();
  created.forEach(dispose);
});

test('get-job then dispose, many times over, does not grow the guest heap', () => {
  const job = jobManager.createJob('looked up often', 'download');
  const id = job.getId();
  const lookUpAndDispose = () => dispose(jobManager.getJob(id));
  for (let i = 0; i < 1_000; i += 1) lookUpAndDispose(); // warm the allocator
  const before = memoryBytes();
  for (let i = 0; i < ROUNDS; i += 1) lookUpAndDispose();
  assert.equal(memoryBytes(), before, `${ROUNDS} disposed handles left the heap at ${before} bytes`);

  // Control: the same handles kept open do cost guest memory.
  const kept = Array.from({ length: ROUNDS }, () => jobManager.getJob(id));
  assert.ok(memoryBytes() > before, `${ROUNDS} open handles grow the heap beyond ${before} bytes`);
  kept.forEach(dispose);
  job.cancel();
  dispose(job);
});

test("a cancelled job's storage goes with its last handle", () => {
  // A job that left the queue lives on only through its handles.
  const bigJob = () => {
    const job = jobManager.createJob('n'.repeat(256), 'download');
    job.setDescription('d'.repeat(1024));
    for (let i = 0; i < 5; i += 1) job.addFile(`https://example.com/${'r'.repeat(1000)}/${i}`, `/tmp/${'l'.repeat(200)}`);
    job.cancel();
    return job;
  };
  for (let i = 0; i < 100; i += 1) dispose(bigJob());
  const before = memoryBytes();
  for (let i = 0; i < 2_000; i += 1) dispose(bigJob());
  assert.equal(memoryBytes(), before);

  const kept = Array.from({ length: 2_000 }, bigJob);
  assert.ok(memoryBytes() > before + 4_000_000, 'kept handles pin their cancelled jobs');
  kept.forEach(dispose);
});

test("the page's listJobs disposes what enum-jobs hands out", () => {
  const created = Array.from({ length: 20 }, (_, i) => jobManager.createJob(`listed ${i}`, 'download'));
  const rows = listJobs(jobManager, types);
  assert.deepEqual(
    rows.map((row) => row.name),
    created.map((job) => job.getDisplayName()),
  );
  for (let i = 0; i < 50; i += 1) listJobs(jobManager, types); // warm
  const before = memoryBytes();
  for (let i = 0; i < 1_000; i += 1) listJobs(jobManager, types);
  assert.equal(memoryBytes(), before, '20,000 listed handles, all released');
  created.forEach((job) => job.cancel());
  created.forEach(dispose);
});
