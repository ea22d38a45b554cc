// One `start` order carried out over HTTP with fetch(), the same rules as the
// Rust host (host/service/src/http.rs): resume with `Range: bytes=OFFSET-`
// (and `If-Range` when the order has a validator); a 206 must start at the
// offset asked for; a 200 to a ranged request is the whole file again, which
// is `range-unsupported` unless the validator changed. Everything else — what
// a failure means, whether the file restarts — is the component's to decide,
// so this only reports what it saw through `sink`. The job's custom headers
// and credentials, and how redirects are followed, are auth.js's. A ranged
// file (contract §16.4, the order's details list its ranges) is ranged.js's.

import { AuthEnd, RequestAuth } from './auth.js';
import { downloadRanges } from './ranged.js';

/** A failure of the local file, reported as `local-io`. Thrown by the platforms' file layers. */
export class LocalIoError extends Error {}

/** Progress is reported once this many new bytes are in the file… */
export const PROGRESS_BYTES = 64 * 1024;
/** …and this many milliseconds have passed since the last report. */
export const PROGRESS_INTERVAL_MS = 200;

const fail = (tag, val) => ({ failure: val === undefined ? { tag } : { tag, val } });

/**
 * `Content-Range: bytes START-END/TOTAL` as `{ start, end, total }`
 * (bigints; total undefined for `*`), or null when malformed.
 */
export function parseContentRange(value) {
  const match = /^\s*bytes (\d+)-(\d+)\/(\d+|\*)\s*$/.exec(value ?? '');
  if (!match) return null;
  const start = BigInt(match[1]);
  const end = BigInt(match[2]);
  if (end < start) return null;
  if (match[3] === '*') return { start, end, total: undefined };
  const total = BigInt(match[3]);
  return end < total ? { start, end, total } : null;
}

/** The response's validator: its ETag, else its Last-Modified date. */
export function validatorOf(response) {
  return response.headers.get('etag') ?? response.headers.get('last-modified') ?? undefined;
}

function contentLength(response) {
  const text = response.headers.get('content-length');
  return text !== null && /^\s*\d+\s*$/.test(text) ? BigInt(text.trim()) : undefined;
}

/**
 * Carries out `order`, writing through `files` (a platform layer: open a
 * temporary file, write, flush) and reporting through `sink`:
 *   sink.connected(size, validator) → the offset to write from, or null when
 *     the transfer is no longer wanted;
 *   sink.progress(bytes) → false when it is no longer wanted.
 * `auth` (auth.js) carries the job's headers and credentials, `method` its
 * HTTP method (contract §15.7: another than GET goes without a body), and
 * `details` are the order's details (contract §14.1), whose ranges are
 * carried out; the host refuses, before this, a detail it cannot honour.
 * Returns how it ended: `{ done: true }`, `{ failure }`, `{ detail }` (a
 * failure-detail), `{ lost: true }`, or `{ stopped: true }` (aborted:
 * nothing is to be reported).
 */
export async function runTransfer(order, { files, fetch, signal, sink, details, now = () => Date.now(), auth = RequestAuth.none, method = 'GET' }) {
  if (order.jobType !== 'download') return fail('unsupported', 'this host transfers downloads only');
  if (!/^https?:\/\//i.test(order.remoteName)) return fail('unsupported', `no transport serves ${order.remoteName}`);
  const ranges = details?.ranges ?? [];
  let temp;
  try {
    temp = await files.open(order.temporaryName, order.localName);
    if (temp.size < order.offset) {
      return fail(
        'local-io',
        `${order.temporaryName} holds ${temp.size} bytes, fewer than the ${order.offset} already transferred`,
      );
    }
    // Bytes after the offset were never reported: they are dropped.
    await temp.truncate(order.offset);
    if (ranges.length > 0) return await downloadRanges(order, ranges, temp, { fetch, signal, sink, now, auth });
    return await download(order, temp, { fetch, signal, sink, now, auth, method });
  } catch (error) {
    if (signal.aborted) return { stopped: true };
    if (error instanceof LocalIoError) return fail('local-io', error.message);
    throw error;
  } finally {
    await temp?.close().catch(() => {});
  }
}

async function download(order, temp, { fetch, signal, sink, now, auth, method }) {
  const ranged = order.offset > 0n;
  const headers = {};
  if (ranged) {
    headers.Range = `bytes=${order.offset}-`;
    if (order.validator !== undefined) headers['If-Range'] = order.validator;
  }
  let response;
  try {
    const body = method === 'GET' ? {} : { method, body: new Uint8Array(0) };
    response = await auth.fetch(fetch, order.remoteName, { ...body, headers, signal, cache: 'no-store' });
  } catch (error) {
    if (signal.aborted) return { stopped: true };
    if (error instanceof AuthEnd) return error.outcome;
    return fail('connect-failed', error.cause?.message ?? error.message);
  }
  const validator = validatorOf(response);
  let size;
  let startsAt = 0n;
  if (response.status === 200) {
    const changed = order.validator !== undefined && validator !== order.validator;
    if (ranged && !changed) return dropBody(response, fail('range-unsupported'));
    size = contentLength(response);
  } else if (response.status === 206 && ranged) {
    const range = parseContentRange(response.headers.get('content-range'));
    if (range === null || range.start !== order.offset) return dropBody(response, fail('range-unsupported'));
    ({ start: startsAt, total: size } = range);
  } else {
    return dropBody(response, fail('http-status', response.status));
  }

  const offset = sink.connected(size, validator);
  if (offset === null) return dropBody(response, { stopped: true });
  // The component restarted the file and this is only a part of it.
  if (response.status === 206 && offset !== startsAt) return dropBody(response, { lost: true });
  await temp.truncate(offset);

  const reader = response.body.getReader();
  let skip = offset - startsAt; // a whole file: skip what the component keeps
  let written = offset;
  let reported = offset;
  let reportedAt = -Infinity; // the first 64 KiB are reported at once
  // Bytes that arrived are reported before the failure, as the Rust host does,
  // so a retry resumes after them.
  const reportingFirst = async (outcome) => {
    if (written > reported) {
      await temp.flush();
      if (!sink.progress(written)) return { stopped: true };
      reported = written;
    }
    return outcome;
  };
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal.aborted) return { stopped: true };
        return await reportingFirst(fail('interrupted', error.cause?.message ?? error.message));
      }
      if (chunk.done) break;
      if (signal.aborted) return { stopped: true };
      let bytes = chunk.value;
      if (skip > 0n) {
        const dropped = BigInt(Math.min(bytes.length, Number(skip)));
        skip -= dropped;
        bytes = bytes.subarray(Number(dropped));
      }
      if (bytes.length === 0) continue;
      // Counted first: a platform may move the buffer to the writer (its length reads 0 after).
      written += BigInt(bytes.length);
      await temp.write(bytes);
      if (written - reported >= BigInt(PROGRESS_BYTES) && now() - reportedAt >= PROGRESS_INTERVAL_MS) {
        // Only bytes that are in the file are reported: a reload resumes after them.
        await temp.flush();
        if (signal.aborted) return { stopped: true };
        if (!sink.progress(written)) return { stopped: true };
        reported = written;
        reportedAt = now();
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  if (skip > 0n) return fail('interrupted', `the connection ended ${skip} bytes short of the bytes already held`);
  if (size !== undefined && written !== size) {
    return reportingFirst(fail('interrupted', `the connection ended after ${written} of ${size} bytes`));
  }
  return reportingFirst({ done: true });
}

/** Lets go of a response whose body is not wanted, and returns `outcome`. */
export function dropBody(response, outcome) {
  response.body?.cancel().catch(() => {});
  return outcome;
}
