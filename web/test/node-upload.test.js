// Uploads from the Node host (node/index.js, public/engine/upload.js) to the
// JS BITS upload server (bits-server.js) on 127.0.0.1: real BITS_POST
// packets over sockets. The server checks each Fragment's Content-Range
// against what it holds (a gap is a 416) and refuses unknown session ids,
// so a client that sends from its own count rather than the server's
// BITS-Received-Content-Range, or skips a byte, never ends byte-exact.
// One process holds one queue: these tests share it and run in order.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BITS_PROTOCOL, SESSION_NOT_FOUND, startBitsServer } from '../bits-server.js';
import { openQueue } from '../node/index.js';

const KiB = 1024;
const FRAGMENT = 64 * KiB;
let bits;
let dir;
let outside;
let queue;

before(async () => {
  bits = await startBitsServer();
  dir = await mkdtemp(join(tmpdir(), 'bits-queue-node-upload-'));
  outside = await mkdtemp(join(tmpdir(), 'bits-queue-node-upload-outside-'));
  queue = await openQueue({ journal: join(dir, 'journal.json'), allowRead: [dir], uploadFragment: FRAGMENT });
});

after(async () => {
  await queue?.close();
  await bits?.close();
  for (const path of [dir, outside]) if (path) await rm(path, { recursive: true, force: true });
});

/** An upload job of `bytes` (written to a file under `where`) to `path` on the server, resumed. */
async function uploadJob(name, bytes, { type = 'upload', where = dir, settings = () => {} } = {}) {
  const local = join(where, name);
  await writeFile(local, bytes);
  const job = await queue.change(() => {
    const created = queue.jobs.createJob(name, type);
    created.addFile(bits.url(`/up/${name}`), local);
    settings(created);
    created.resume();
    return created;
  });
  return { job, local };
}

/** The packets of one upload path, from the server's log. */
const packetsOf = (name) => bits.log.filter((packet) => packet.path === `/up/${name}`);
const fragments = (packets) => packets.filter((p) => p.packetType === 'Fragment');
const startOf = (range) => Number(/^bytes (\d+)-/.exec(range)[1]);

test('a multi-fragment file arrives byte-exact, each Fragment where the server stood', { timeout: 60_000 }, async () => {
  const bytes = randomBytes(16 * FRAGMENT + 123);
  const progress = [];
  const { job } = await uploadJob('exact.bin', bytes);
  queue.eventsFor(job).addEventListener('progress', (event) => progress.push(event.detail.bytes));
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred', JSON.stringify(job.getError?.() ?? null));
  assert.deepEqual(bits.file('/up/exact.bin'), bytes);
  const packets = packetsOf('exact.bin');
  assert.deepEqual([...new Set(packets.map((p) => p.packetType))], ['Create-Session', 'Fragment', 'Close-Session']);
  const sent = fragments(packets);
  assert.equal(sent.length, 17);
  assert.ok(sent.every((p, i) => startOf(p.range) === i * FRAGMENT && p.status === 200), JSON.stringify(sent));
  assert.equal(sent.at(-1).range, `bytes ${16 * FRAGMENT}-${bytes.length - 1}/${bytes.length}`);
  assert.equal(new Set(packets.slice(1).map((p) => p.session)).size, 1, 'one session throughout');
  // The bar follows the server's acknowledgements, as a download's follows its bytes.
  assert.equal(progress.at(-1), bytes.length);
  assert.deepEqual(queue.progress(job), { bytesTotal: bytes.length, bytesTransferred: bytes.length, filesTotal: 1, filesTransferred: 1 });
  await queue.change(() => job.complete());
  assert.equal(job.getState(), 'acknowledged');
});

test('a drop mid-fragment resumes the same session from the server\'s offset, resynchronised by a 416', { timeout: 60_000 }, async () => {
  const bytes = randomBytes(8 * FRAGMENT);
  // The third Fragment's connection closes halfway (the half is not kept).
  bits.fault('pass', 'pass', 'pass', 'drop-halfway');
  const { job } = await uploadJob('dropped.bin', bytes);
  assert.equal(await queue.waitFor(job, ['transient-error', 'error', 'transferred']), 'transient-error');
  assert.equal(job.getError().hresult, 0x8020002d, 'a lost connection: BG_E_CONNECT_FAILURE, retried');
  assert.equal(job.getProgress().bytesTransferred, BigInt(2 * FRAGMENT), 'what the server acknowledged');
  // Before the retry the server loses what it held past 64 KiB: the
  // client's first Fragment (from 128 KiB) meets a 416 naming 64 KiB.
  bits.fault({ rewind: FRAGMENT });
  await queue.change(() => job.resume());
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred');
  assert.deepEqual(bits.file('/up/dropped.bin'), bytes);
  const sent = fragments(packetsOf('dropped.bin'));
  assert.deepEqual(
    sent.map((p) => [startOf(p.range), p.status]),
    [[0, 200], [FRAGMENT, 200], [2 * FRAGMENT, 0], [2 * FRAGMENT, 416], ...[1, 2, 3, 4, 5, 6, 7].map((i) => [i * FRAGMENT, 200])],
  );
  assert.equal(packetsOf('dropped.bin').filter((p) => p.packetType === 'Create-Session').length, 1, 'the session was kept');
  // Bytes re-sent for the drop: the dropped half, at most one fragment.
  assert.ok(sent[2].received <= FRAGMENT);
  await queue.change(() => job.complete());
});

test('the server refuses an unknown session; a forgotten session is created again and still ends byte-exact', { timeout: 60_000 }, async () => {
  const refused = await fetch(bits.url('/up/nobody.bin'), {
    method: 'BITS_POST',
    headers: { 'BITS-Packet-Type': 'Fragment', 'BITS-Session-Id': '{not-a-session}', 'Content-Range': 'bytes 0-3/4' },
    body: new Uint8Array(4),
  });
  assert.equal(refused.status, 400);
  assert.equal(Number.parseInt(refused.headers.get('bits-error-code'), 16), SESSION_NOT_FOUND);
  const bytes = randomBytes(4 * FRAGMENT);
  bits.fault('pass', 'pass', 'forget-session');
  const { job } = await uploadJob('forgotten.bin', bytes);
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred');
  assert.deepEqual(bits.file('/up/forgotten.bin'), bytes);
  const packets = packetsOf('forgotten.bin');
  assert.equal(packets.filter((p) => p.packetType === 'Create-Session').length, 2);
  const last = fragments(packets).filter((p) => p.status === 200).at(-1);
  assert.notEqual(last.session, packets[1].session, 'the rest went in the new session');
  await queue.change(() => job.complete());
});

test('upload-reply: the reply\'s bytes reach the reply file and get-reply-data', { timeout: 60_000 }, async () => {
  const reply = randomBytes(300 * KiB);
  bits.reply('/replies/1', reply);
  const replyFile = join(dir, 'reply.bin');
  const bytes = randomBytes(2 * FRAGMENT + 5);
  const { job } = await uploadJob('with-reply.bin', bytes, { type: 'upload-reply', settings: (created) => created.setReplyFileName(replyFile) });
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred', JSON.stringify(job.getError?.() ?? null));
  assert.deepEqual(bits.file('/up/with-reply.bin'), bytes);
  assert.deepEqual(Buffer.from(job.getReplyData()), reply);
  const replyProgress = job.getReplyProgress();
  assert.equal(replyProgress.bytesTransferred, BigInt(reply.length));
  assert.equal(replyProgress.completed, true);
  await queue.change(() => job.complete());
  assert.deepEqual(await readFile(replyFile), reply, 'complete committed the reply file');
});

test('an upload reads only below allowRead; cancel ends the open session with Cancel-Session', { timeout: 60_000 }, async () => {
  const { job: refused } = await uploadJob('outside.bin', randomBytes(10), { where: outside });
  assert.equal(await queue.waitFor(refused, ['error', 'transferred']), 'error');
  assert.equal(refused.getError().hresult, 0x80070005);
  assert.equal(refused.getError().context, 'local-file');
  assert.equal(packetsOf('outside.bin').length, 0, 'nothing was sent');
  await queue.change(() => refused.cancel());

  // The second Fragment is never answered; the job is cancelled meanwhile.
  bits.fault('pass', 'pass', 'hold');
  const { job } = await uploadJob('cancelled.bin', randomBytes(4 * FRAGMENT));
  while (fragments(packetsOf('cancelled.bin')).length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
  const session = packetsOf('cancelled.bin')[0].session ?? fragments(packetsOf('cancelled.bin'))[0].session;
  await queue.change(() => job.cancel());
  while (!packetsOf('cancelled.bin').some((p) => p.packetType === 'Cancel-Session')) await new Promise((resolve) => setTimeout(resolve, 20));
  const cancel = packetsOf('cancelled.bin').find((p) => p.packetType === 'Cancel-Session');
  assert.equal(cancel.session, session);
  assert.equal(cancel.status, 200);
  assert.equal(bits.sessionBytes(session), undefined, 'the server dropped the session');
});

test('the server speaks only BITS 1.5', async () => {
  const answer = await fetch(bits.url('/up/x'), {
    method: 'BITS_POST',
    headers: { 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': '{00000000-0000-0000-0000-000000000000}' },
    body: new Uint8Array(0),
  });
  assert.equal(answer.status, 400);
  const created = await fetch(bits.url('/up/x'), {
    method: 'BITS_POST',
    headers: { 'BITS-Packet-Type': 'Create-Session', 'BITS-Supported-Protocols': BITS_PROTOCOL },
    body: new Uint8Array(0),
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('bits-protocol'), BITS_PROTOCOL);
});
