// A ranged file's order (contract §16.4), as the Rust host carries it out
// (host/service/src/http/ranged.rs): each range is one request, `Range:
// bytes=a-b` (`a-` for a range to the end), one at a time, in the order
// given, with `If-Range` when there is a validator, written packed one after
// another from the order's offset. Every 206 is reported with
// `report-connected` (the remote size from its Content-Range, its
// validator), so a file that changes between two ranges restarts. A 200 is
// `range-unsupported`; a 206 that starts elsewhere, or a multipart one, is
// `invalid-response`; a total of `*` while a range to the end waits for the
// size is `size-unknown`; a 206 that ends early is kept and the rest asked
// for. Whether a range lies outside the file is the component's decision.

import { AuthEnd } from './auth.js';
import { isToEof, locate } from './ranges.js';
import { PROGRESS_BYTES, PROGRESS_INTERVAL_MS, dropBody, parseContentRange, validatorOf } from './transfer.js';

const fail = (tag, val) => ({ failure: val === undefined ? { tag } : { tag, val } });
const invalid = (why) => ({ detail: { tag: 'invalid-response', val: why } });

/** Carries out `order` for `ranges` into `temp` (cut to the order's offset); how it ended, as runTransfer says. */
export async function downloadRanges(order, ranges, temp, { fetch, signal, sink, now, auth }) {
  let packed = order.offset;
  let remoteSize = order.size;
  let validator = order.validator;
  let reported = packed;
  let reportedAt = -Infinity; // the first 64 KiB are reported at once
  // Only bytes that are in the file are reported: a retry resumes after them.
  const report = async () => {
    if (packed === reported) return true;
    await temp.flush();
    if (signal.aborted || !sink.progress(packed)) return false;
    reported = packed;
    reportedAt = now();
    return true;
  };
  for (;;) {
    const at = locate(ranges, remoteSize, packed);
    if (at === null) break;
    const range = ranges[at.index];
    const start = range.offset + at.held;
    const last = isToEof(range) ? undefined : range.offset + range.length - 1n;
    const headers = { Range: `bytes=${start}-${last ?? ''}` };
    if (validator !== undefined) headers['If-Range'] = validator;
    let response;
    try {
      response = await auth.fetch(fetch, order.remoteName, { headers, signal, cache: 'no-store' });
    } catch (error) {
      if (signal.aborted) return { stopped: true };
      if (error instanceof AuthEnd) return error.outcome;
      const why = error.cause?.message ?? error.message;
      return (await report()) ? fail(packed > order.offset ? 'interrupted' : 'connect-failed', why) : { stopped: true };
    }
    if (response.status === 200) return dropBody(response, fail('range-unsupported'));
    if (response.status !== 206) return dropBody(response, fail('http-status', response.status));
    if (/^\s*multipart\//i.test(response.headers.get('content-type') ?? '')) {
      return dropBody(response, invalid('a multipart answer to a request for one range'));
    }
    const part = parseContentRange(response.headers.get('content-range'));
    if (part === null) return dropBody(response, invalid('a 206 without a Content-Range it can read'));
    if (part.start !== start) return dropBody(response, invalid(`a 206 from byte ${part.start}, where byte ${start} was asked for`));
    if (part.total === undefined && isToEof(range) && remoteSize === undefined) return dropBody(response, fail('size-unknown'));
    const answered = validatorOf(response);
    // The component's count is the bytes written before it answers where the file goes on.
    if (!(await report())) return dropBody(response, { stopped: true });
    const offset = sink.connected(part.total, answered);
    if (offset === null) return dropBody(response, { stopped: true });
    // The component restarted the file (it changed): this part is of no use.
    if (offset !== packed) return dropBody(response, { lost: true });
    remoteSize = part.total ?? remoteSize;
    validator = answered ?? validator;
    // Only the bytes asked for; fewer (a 206 that ends early) are kept, and the loop asks for the rest.
    const end = last !== undefined && last < part.end ? last : part.end;
    let wanted = end - start + 1n;
    const reader = response.body.getReader();
    try {
      while (wanted > 0n) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (signal.aborted) return { stopped: true };
          return (await report()) ? fail('interrupted', error.cause?.message ?? error.message) : { stopped: true };
        }
        if (chunk.done) break;
        if (signal.aborted) return { stopped: true };
        let bytes = chunk.value;
        if (BigInt(bytes.length) > wanted) bytes = bytes.subarray(0, Number(wanted));
        // Counted first: a platform may move the buffer to the writer (its length reads 0 after).
        const count = BigInt(bytes.length);
        await temp.write(bytes);
        packed += count;
        wanted -= count;
        if (packed - reported >= BigInt(PROGRESS_BYTES) && now() - reportedAt >= PROGRESS_INTERVAL_MS) {
          if (!(await report())) return { stopped: true };
        }
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    if (wanted > 0n) {
      const why = `the connection ended ${wanted} bytes short of the range from byte ${start}`;
      return (await report()) ? fail('interrupted', why) : { stopped: true };
    }
  }
  return (await report()) ? { done: true } : { stopped: true };
}
