// The Node package as a library: imported by its name, changing calls only
// inside change() (never a silent no-op), waitFor with a timeout, a signal
// and final states, events per job and per queue that JSON.stringify can
// write, refusals that name the argument, a blank name refused, and calls
// after close() rejected. One process holds one queue, so these tests share
// it and run in order (close last).

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
// By name: package.json's "exports" (a package may import itself).
import { QueueError, openQueue } from 'bits-queue-web';
import { startServer } from '../server.js';

let server;
let dir;
let queue;
const journalText = () => readFile(join(dir, 'journal.json'), 'utf8');

before(async () => {
  server = await startServer({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'bits-queue-node-api-'));
  queue = await openQueue({ journal: join(dir, 'journal.json') });
});

after(async () => {
  await queue?.close();
  await new Promise((resolve) => server.server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

test('a changing call outside change() throws and changes nothing; inside, it is stored', async () => {
  const job = await queue.change(() => queue.jobs.createJob('outside change', 'download'));
  const before = await journalText();
  assert.throws(() => job.setDescription('not stored'), /setDescription changes the queue: call it inside queue\.change/);
  assert.throws(() => queue.jobs.createJob('nor this', 'download'), /createJob changes the queue/);
  assert.equal(job.getDescription(), '', 'nothing changed');
  assert.equal(await journalText(), before, 'nothing was journaled');
  await queue.change(() => job.setDescription('stored'));
  assert.match(await journalText(), /"jobs"/);
  assert.notEqual(await journalText(), before);
  await queue.change(() => job.cancel());
});

test('refusals name the argument and why; a blank display name is refused before the call', async () => {
  const job = await queue.change(() => queue.jobs.createJob('refusals', 'download'));
  const refused = async (call, expected) => {
    await assert.rejects(queue.change(call), (error) => {
      assert.ok(error instanceof QueueError, `${error}`);
      for (const [key, value] of Object.entries(expected)) assert.equal(error[key], value, `${key} of "${error.message}"`);
      return true;
    });
  };
  await refused(() => job.addFile('ftp://example.com/a', '/tmp/a'), { code: 'invalid-argument', argument: 'remoteName', method: 'addFile' });
  await refused(() => job.addFile('https://example.com/a', 'relative/a'), { code: 'invalid-argument', argument: 'localName' });
  await refused(() => job.setDescription('d'.repeat(1025)), { code: 'string-too-long', argument: 'description', windowsName: 'BG_E_STRING_TOO_LONG' });
  await refused(() => queue.jobs.createJob('   ', 'download'), { code: 'invalid-argument', argument: 'displayName' });
  await refused(() => queue.jobs.createJob('', 'download'), { code: 'invalid-argument', argument: 'displayName' });
  await refused(() => job.resume(), { code: 'empty', argument: undefined, windowsName: 'BG_E_EMPTY' });
  await assert.rejects(queue.change(() => job.addFile('ftp://example.com/a', '/tmp/a')), /^QueueError: addFile: remoteName: "ftp:\/\/example\.com\/a" is not an http:\/\/, https:\/\/ or file:\/\/ URL \(E_INVALIDARG, 0x80070057\)$/);
  assert.equal(job.enumFiles().length, 0, 'the refused calls changed nothing');
  await queue.change(() => job.cancel());
});

test('waitFor rejects after its timeout, on its signal, and when the job reaches a state it cannot leave', { timeout: 30_000 }, async () => {
  const job = await queue.change(() => queue.jobs.createJob('waited for', 'download'));
  await assert.rejects(queue.waitFor(job, ['transferred'], { timeout: 20 }), { name: 'TimeoutError' });
  const controller = new AbortController();
  const aborted = queue.waitFor(job, ['transferred'], { signal: controller.signal });
  controller.abort(new Error('no longer wanted'));
  await assert.rejects(aborted, /no longer wanted/);
  await assert.rejects(queue.waitFor(job, []), /states must be a non-empty array/);
  await assert.rejects(queue.waitFor(job, ['transferred'], { timeout: -1 }), /timeout must be a number of milliseconds/);
  const waiting = queue.waitFor(job, ['transferred', 'error']);
  await queue.change(() => job.cancel());
  await assert.rejects(waiting, /reached cancelled, which it can no longer leave, not transferred or error/);
});

test('events per job and per queue, each detail JSON-safe; progress records too', { timeout: 60_000 }, async () => {
  const queueEvents = [];
  for (const type of ['notify', 'progress', 'change']) queue.addEventListener(type, (event) => queueEvents.push({ type, detail: JSON.parse(JSON.stringify(event.detail)) }));
  const job = await queue.change(() => queue.jobs.createJob('evented', 'download'));
  const jobEvents = [];
  const target = queue.eventsFor(job);
  for (const type of ['notify', 'progress', 'state']) target.addEventListener(type, (event) => jobEvents.push({ type, detail: JSON.parse(JSON.stringify(event.detail)) }));
  // Another job's events do not reach this job's target.
  const other = await queue.change(() => queue.jobs.createJob('another', 'download'));
  await queue.change(() => {
    job.addFile(new URL('files/1MiB.bin', server.url).href, join(dir, 'evented.bin'));
    job.resume();
  });
  assert.equal(await queue.waitFor(job, ['transferred'], { timeout: 50_000 }), 'transferred');
  // One more turn: the notification is carried out at the poll after the state changed.
  await queue.change(() => {});
  const guid = queue.component.types.guidToString(job.getId());
  assert.ok(jobEvents.every((event) => event.detail.guid === guid), JSON.stringify(jobEvents));
  assert.ok(jobEvents.some((event) => event.type === 'progress' && event.detail.bytes === 1048576), JSON.stringify(jobEvents));
  assert.deepEqual(jobEvents.filter((event) => event.type === 'state').at(-1).detail, { guid, state: 'transferred' });
  assert.ok(jobEvents.some((event) => event.type === 'notify' && event.detail.event === 'transferred'));
  assert.ok(queueEvents.some((event) => event.type === 'notify' && event.detail.guid === guid));
  assert.ok(queueEvents.some((event) => event.type === 'change' && event.detail.guid === queue.component.types.guidToString(other.getId())));
  assert.deepEqual(JSON.parse(JSON.stringify(job.getProgress())), { bytesTotal: 1048576, bytesTransferred: 1048576, filesTotal: 1, filesTransferred: 1 });
  assert.deepEqual(queue.progress(job), { bytesTotal: 1048576, bytesTransferred: 1048576, filesTotal: 1, filesTransferred: 1 });
  assert.equal(job.getProgress().bytesTransferred, 1048576n, 'the values stay bigints for arithmetic');
  await queue.change(() => job.complete());
  assert.deepEqual(jobEvents.at(-1).detail, { guid, state: 'acknowledged' }, 'the last state event is final');
  await queue.change(() => other.cancel());
});

test('after close() every call rejects or throws, saying the queue is closed', async () => {
  const job = await queue.change(() => queue.jobs.createJob('closed over', 'download'));
  const pending = queue.waitFor(job, ['transferred']);
  await queue.close();
  await assert.rejects(pending, /the queue was closed/);
  await assert.rejects(queue.change(() => {}), /change: the queue is closed/);
  await assert.rejects(queue.waitFor(job, ['transferred']), /waitFor: the queue is closed/);
  assert.throws(() => job.getState(), /getState: the queue is closed/);
  assert.throws(() => queue.jobs.enumJobs(), /enumJobs: the queue is closed/);
  await assert.rejects(openQueue({ journal: join(dir, 'other.json') }), /already called in this process/);
});
