// The HTTP rules of public/engine/transfer.js, against small servers on
// 127.0.0.1 that answer as a misbehaving server would: the same checks as
// the Rust host (host/service/src/http.rs).

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { nodeFiles } from '../node/fs-files.js';
import { parseContentRange, runTransfer } from '../public/engine/transfer.js';

const BODY = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
let dir;
let server;
let base;
/** How the server answers the next request: (request, response) => void. */
let answer;
const seen = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bits-queue-transfer-'));
  server = createServer((request, response) => {
    seen.push({ range: request.headers.range, ifRange: request.headers['if-range'] });
    answer(request, response);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** A sink that records reports; `restartAt` is the offset the component answers report-connected with. */
function recordingSink({ restartAt } = {}) {
  const reports = [];
  return {
    reports,
    connected(size, validator) {
      reports.push({ connected: { size, validator } });
      return restartAt;
    },
    progress(bytes) {
      reports.push({ progress: bytes });
      return true;
    },
  };
}

async function transfer({ offset = 0n, held = BODY.subarray(0, Number(offset)), validator, restartAt = offset }) {
  const temporaryName = join(dir, `BIT${Math.random().toString(16).slice(2, 10).toUpperCase()}.tmp`);
  await writeFile(temporaryName, held);
  const order = {
    file: { job: null, fileIndex: 0 },
    jobType: 'download',
    remoteName: base,
    localName: join(dir, 'local.bin'),
    temporaryName,
    offset,
    size: undefined,
    validator,
  };
  const sink = recordingSink({ restartAt });
  const outcome = await runTransfer(order, { files: nodeFiles, fetch, signal: new AbortController().signal, sink });
  return { outcome, sink, bytes: await readFile(temporaryName) };
}

const whole = (etag = '"v1"') => (request, response) => {
  response.writeHead(200, { 'Content-Length': BODY.length, ETag: etag });
  response.end(BODY);
};

test('a fresh download takes the whole file and reports size, validator and bytes', async () => {
  answer = whole();
  const { outcome, sink, bytes } = await transfer({});
  assert.deepEqual(outcome, { done: true });
  assert.deepEqual(sink.reports[0], { connected: { size: BigInt(BODY.length), validator: '"v1"' } });
  assert.deepEqual(sink.reports.at(-1), { progress: BigInt(BODY.length) });
  assert.deepEqual(bytes, BODY);
  assert.equal(seen.at(-1).range, undefined, 'no Range from offset 0');
});

test('a resume asks for Range: bytes=OFFSET- with If-Range, and appends the 206', async () => {
  answer = (request, response) => {
    response.writeHead(206, { 'Content-Range': `bytes 10-${BODY.length - 1}/${BODY.length}`, ETag: '"v1"' });
    response.end(BODY.subarray(10));
  };
  const { outcome, bytes } = await transfer({ offset: 10n, validator: '"v1"' });
  assert.deepEqual(outcome, { done: true });
  assert.deepEqual(seen.at(-1), { range: 'bytes=10-', ifRange: '"v1"' });
  assert.deepEqual(bytes, BODY);
});

test('a 206 that starts elsewhere, or has no Content-Range, is range-unsupported', async () => {
  for (const contentRange of [`bytes 0-${BODY.length - 1}/${BODY.length}`, undefined, 'bytes 10-5/36']) {
    answer = (request, response) => {
      response.writeHead(206, contentRange ? { 'Content-Range': contentRange } : {});
      response.end(BODY);
    };
    const { outcome, bytes } = await transfer({ offset: 10n });
    assert.deepEqual(outcome, { failure: { tag: 'range-unsupported' } }, String(contentRange));
    assert.deepEqual(bytes, BODY.subarray(0, 10), 'the bytes held are kept');
  }
});

test('a 200 to a ranged request is range-unsupported unless the validator changed', async () => {
  answer = whole('"v1"');
  assert.deepEqual((await transfer({ offset: 10n, validator: '"v1"' })).outcome, { failure: { tag: 'range-unsupported' } });
  assert.deepEqual((await transfer({ offset: 10n })).outcome, { failure: { tag: 'range-unsupported' } });
  // The file changed: the component restarts it (offset 0) and the whole body is written.
  answer = whole('"v2"');
  const changed = await transfer({ offset: 10n, held: Buffer.from('stale data'), validator: '"v1"', restartAt: 0n });
  assert.deepEqual(changed.outcome, { done: true });
  assert.deepEqual(changed.bytes, BODY);
});

test('a 206 for a file the component restarted is lost; other statuses are http-status', async () => {
  answer = (request, response) => {
    response.writeHead(206, { 'Content-Range': `bytes 10-${BODY.length - 1}/${BODY.length}`, ETag: '"v2"' });
    response.end(BODY.subarray(10));
  };
  assert.deepEqual((await transfer({ offset: 10n, validator: '"v1"', restartAt: 0n })).outcome, { lost: true });
  answer = (request, response) => {
    response.writeHead(503);
    response.end();
  };
  assert.deepEqual((await transfer({})).outcome, { failure: { tag: 'http-status', val: 503 } });
});

test('a body shorter than its Content-Length is interrupted, its bytes reported first', async () => {
  answer = (request, response) => {
    response.writeHead(200, { 'Content-Length': BODY.length * 2 });
    response.write(BODY, () => setTimeout(() => response.destroy(), 50));
  };
  const { outcome, sink, bytes } = await transfer({});
  assert.equal(outcome.failure.tag, 'interrupted');
  assert.deepEqual(sink.reports.at(-1), { progress: BigInt(BODY.length) });
  assert.deepEqual(bytes, BODY);
});

test('a temporary file holding fewer bytes than the offset is local-io', async () => {
  answer = whole();
  const { outcome } = await transfer({ offset: 20n, held: BODY.subarray(0, 5) });
  assert.equal(outcome.failure.tag, 'local-io');
  assert.match(outcome.failure.val, /holds 5 bytes, fewer than the 20/);
});

test('Content-Range parsing', () => {
  assert.deepEqual(parseContentRange('bytes 100-199/200'), { start: 100n, end: 199n, total: 200n });
  assert.deepEqual(parseContentRange('bytes 0-0/*'), { start: 0n, end: 0n, total: undefined });
  for (const bad of ['bytes 5-4/10', 'bytes 5-10/10', 'items 0-1/2', 'bytes x-1/2', null]) assert.equal(parseContentRange(bad), null, String(bad));
});
