// The dev server's test downloads: files made up on the fly (nothing on disk),
// served with Range support and an ETag, paced so a person can watch the big
// one arrive, and a switch that drops the next download halfway so a visitor
// (or a test) can watch a transfer resume with a Range request.

import { createHash } from 'node:crypto';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const DROP_STALL_MS = 1000;

/**
 * name → size and pace (bytes per second; Infinity = as fast as the socket
 * takes them). An unlisted file is served but not offered on the page (the
 * benchmark's).
 */
export const TEST_FILES = Object.freeze({
  '1MiB.bin': { size: MiB, rate: Infinity },
  '64MiB.bin': { size: 64 * MiB, rate: 4 * MiB },
  '256MiB.bin': { size: 256 * MiB, rate: Infinity, listed: false },
});

/**
 * The bytes [start, end) of every test file: a xorshift stream reseeded
 * every 64 KiB from the block number, so any range is quick to make and no
 * two blocks repeat (a resume at the wrong offset changes the digest).
 */
export function testFileBytes(start, end) {
  const out = Buffer.allocUnsafe(end - start);
  let at = start;
  while (at < end) {
    const block = Math.floor(at / CHUNK);
    const blockStart = block * CHUNK;
    const bytes = blockBytes(block);
    const from = at - blockStart;
    const to = Math.min(CHUNK, end - blockStart);
    bytes.copy(out, at - start, from, to);
    at = blockStart + to;
  }
  return out;
}

function blockBytes(block) {
  const bytes = Buffer.allocUnsafe(CHUNK);
  let x = (block * 0x9e3779b1 + 0x7f4a7c15) >>> 0 || 1;
  for (let i = 0; i < CHUNK; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes.writeUInt32LE(x >>> 0, i);
  }
  return bytes;
}

/** The SHA-256 (hex) of a whole test file, for checking what arrived. */
export function testFileDigest(name) {
  const { size } = TEST_FILES[name];
  const hash = createHash('sha256');
  for (let at = 0; at < size; at += 4 * MiB) hash.update(testFileBytes(at, Math.min(size, at + 4 * MiB)));
  return hash.digest('hex');
}

const etagOf = (name) => `"bits-queue-test-${name}-1"`;

/** `bytes=START-` or `bytes=START-END` within `size` as [start, end), null when not satisfiable, undefined when absent. */
function requestedRange(header, size) {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const start = Number(match[1]);
  const end = match[2] === '' ? size : Math.min(size, Number(match[2]) + 1);
  return start < size && start < end ? [start, end] : null;
}

/**
 * Serves the test files. `state.dropNext` (the switch) makes the next
 * download end its connection after half of what it was to send; every
 * request is logged in `state.requests` ({ name, range, status, dropped }).
 */
export function serveTestFile(name, request, response, state) {
  const file = Object.hasOwn(TEST_FILES, name) ? TEST_FILES[name] : undefined;
  const entry = { name, range: request.headers.range ?? null, status: 404, dropped: false };
  state.requests.push(entry);
  // A dev server runs for hours: keep the last thousand.
  if (state.requests.length > 1000) state.requests.shift();
  if (!file) {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    return response.end(request.method === 'HEAD' ? undefined : 'no such test file\n');
  }
  const etag = etagOf(name);
  // If-Range with another validator: the whole file, as the file changed.
  const ifRange = request.headers['if-range'];
  const range = ifRange === undefined || ifRange === etag ? requestedRange(request.headers.range, file.size) : undefined;
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Cache-Control': 'no-store',
  };
  if (range === null) {
    entry.status = 416;
    response.writeHead(416, { ...headers, 'Content-Range': `bytes */${file.size}` });
    return response.end();
  }
  const [start, end] = range ?? [0, file.size];
  entry.status = range ? 206 : 200;
  if (range) headers['Content-Range'] = `bytes ${start}-${end - 1}/${file.size}`;
  headers['Content-Length'] = end - start;
  response.writeHead(entry.status, headers);
  if (request.method === 'HEAD') return response.end();

  const dropAt = state.dropNext ? start + Math.floor((end - start) / 2) : Infinity;
  state.dropNext = false;
  send(response, start, end, dropAt, file.rate, entry);
}

/**
 * Writes [start, end) in 64 KiB chunks at `rate`, waiting for the socket when
 * it is full. At `dropAt` the connection stalls, then is destroyed: once
 * what was written has left and a second has passed, so the client has read
 * it (a browser that sees the connection fail drops what it has not yet
 * handed to the page, and the drop would look like nothing arrived).
 */
function send(response, start, end, dropAt, rate, entry) {
  const began = Date.now();
  let at = start;
  const next = () => {
    while (at < end && !response.destroyed) {
      const to = Math.min(end, at + CHUNK, dropAt);
      const chunk = testFileBytes(at, to);
      at = to;
      if (at >= dropAt) {
        entry.dropped = true;
        response.write(chunk, () => setTimeout(() => response.destroy(), DROP_STALL_MS));
        return;
      }
      const full = !response.write(chunk);
      if (at >= end) break;
      const due = began + ((at - start) / rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) return void setTimeout(next, wait);
      if (full) return void response.once('drain', next);
    }
    if (!response.destroyed) response.end();
  };
  next();
}
