// One upload order over the BITS upload protocol ([MC-BUP], contract §14),
// the same client as the Rust host's (host/service/src/upload/attempt.rs):
// Create-Session with the BITS 1.5 protocol when the order has no session,
// Fragments in order from the server's offset with Content-Range, the next
// offset taken only from the Ack's BITS-Received-Content-Range (a 416
// resynchronises it), upload-reply's reply downloaded, then Close-Session.
// The component decides what each outcome means; this reports what it saw.
//
// The platform supplies `sources.open(localName)` → { snapshot() → { size,
// validator }, read(offset, count) → Uint8Array, close() }: the local file,
// read where the host may read, its validator `mtime:` + nanoseconds.

import { LocalIoError } from './transfer.js';
import { AuthEnd, RequestAuth } from './auth.js';

/** The only upload protocol: BITS 1.5. */
export const BITS_PROTOCOL = '{7df0354d-249b-430f-820d-3d2a9bef4931}';
/** The fragment size when none is set, and the smallest (contract §14.3). */
export const DEFAULT_FRAGMENT = 4 * 1024 * 1024;
export const MIN_FRAGMENT = 64 * 1024;
const SESSION_NOT_FOUND = 0x8020001f;
const TOO_LARGE = 0x80200020;
/** The most reply bytes passed to the component, and how often reply progress is reported. */
const MAX_REPLY_DATA = 1024 * 1024;
const REPLY_PROGRESS = 1024 * 1024;

/** How an attempt ended early: its outcome travels up as this. */
class End {
  constructor(outcome) {
    this.outcome = outcome;
  }
}
const failure = (tag, val) => new End({ failure: val === undefined ? { tag } : { tag, val } });
const detail = (tag, val) => new End({ detail: val === undefined ? { tag } : { tag, val } });
const invalid = (why) => detail('invalid-response', why);
const STOPPED = new End({ stopped: true });

/** A hex number as BITS writes it, with or without 0x; undefined when not one. */
function hexOf(text) {
  const digits = text?.trim().replace(/^0x/i, '');
  return digits && /^[0-9a-f]{1,8}$/i.test(digits) ? Number.parseInt(digits, 16) : undefined;
}

/** A BITS session id: 1–100 characters in 0x21–0x7E. */
const validSessionId = (id) => /^[\x21-\x7e]{1,100}$/.test(id ?? '');

/** Content-Name: the local name's last segment, `%` and bytes outside 0x21–0x7E percent-encoded as UTF-8. */
export function contentName(localName) {
  const last = localName.split(/[\\/]/).at(-1);
  let name = '';
  for (const byte of new TextEncoder().encode(last)) {
    name += byte === 0x25 || byte < 0x21 || byte > 0x7e ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return name;
}

/**
 * The final Ack's BITS-Reply-URL resolved against the upload's URL (RFC
 * 3986), without userinfo; only http and https, and no http for an https upload.
 */
export function resolveReplyUrl(base, given) {
  let url;
  try {
    url = new URL(given, base);
  } catch {
    throw invalid('BITS-Reply-URL is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('BITS-Reply-URL is not an http or https URL');
  if (new URL(base).protocol === 'https:' && url.protocol === 'http:') throw detail('redirect-failed', 'the reply URL of an https upload is http');
  url.username = '';
  url.password = '';
  return url.href;
}

/** A server's answer to one packet. */
class Answer {
  constructor(response, text) {
    this.status = response.status;
    this.headers = response.headers;
    this.text = text;
  }
  header(name) {
    return this.headers.get(name)?.trim() ?? undefined;
  }
  get success() {
    return this.status >= 200 && this.status < 300;
  }
  /** BITS-Error-Code (also BITS-Error), of a non-2xx answer. */
  get errorCode() {
    return this.success ? undefined : hexOf(this.header('bits-error-code') ?? this.header('bits-error'));
  }
  /** A 2xx answer must be an Ack, else the server does not speak BITS. */
  checkAck(packet) {
    if (this.header('bits-packet-type')?.toLowerCase() !== 'ack') throw detail('protocol-mismatch', `the answer to ${packet} is not a BITS Ack`);
  }
  serverError(packet) {
    const context = hexOf(this.header('bits-error-context'));
    const description = `${packet}: HTTP ${this.status}${this.text ? `: ${this.text}` : ''}`.slice(0, 1024);
    return detail('server-error', { status: this.status, hresult: this.errorCode, context, description });
  }
  /** BITS-Received-Content-Range: the next byte the server expects. */
  received(size) {
    const text = this.header('bits-received-content-range');
    const value = text !== undefined && /^\d+$/.test(text) ? BigInt(text) : undefined;
    if (value === undefined || value > size) throw invalid("the Ack's BITS-Received-Content-Range is missing or wrong");
    return value;
  }
}

/**
 * Carries out an upload `order` with its `details` (get-order-details),
 * reporting through `sink`: connected(size, validator) → the server's offset
 * the component holds, or null; acknowledged(offset), session(id, hostId,
 * fallback), replyUrl(url), replyConnected(size, validator, offset),
 * replyProgress(bytes), replyDone(data): each false when no longer wanted.
 * `auth` (auth.js) carries the job's headers and credentials to the
 * upload's server, and to the reply's when it has the job's origin.
 * Returns `{ done }`, `{ failure }`, `{ detail }` (a failure-detail) or `{ stopped }`.
 */
export async function runUpload(order, { details, sources, files, fetch, signal, sink, fragmentSize = DEFAULT_FRAGMENT, auth = RequestAuth.none }) {
  if (!details) return { stopped: true };
  const upload = details.upload;
  const unsupported = (why) => ({ failure: { tag: 'unsupported', val: why } });
  if (!upload) return unsupported('the order has no upload details');
  if (upload.protocol !== 'bits') return unsupported('this host uploads with the BITS protocol only');
  if (!/^https?:\/\//i.test(upload.targetUrl)) return unsupported('uploads go to http:// and https:// URLs only');
  const attempt = new Attempt(order, upload, { sources, files, fetch, signal, sink, fragmentSize, auth });
  try {
    await attempt.run();
    return { done: true };
  } catch (error) {
    if (signal.aborted) return { stopped: true };
    if (error instanceof End || error instanceof AuthEnd) return error.outcome;
    if (error instanceof LocalIoError) return { failure: { tag: 'local-io', val: error.message } };
    throw error;
  } finally {
    await attempt.source?.close().catch(() => {});
  }
}

class Attempt {
  constructor(order, upload, platform) {
    Object.assign(this, platform);
    this.order = order;
    this.upload = upload;
    this.session = upload.sessionId;
    this.replyUrl = upload.replyUrl;
    this.renewed = false;
    this.connected = false;
    this.source = null;
  }

  /** A report through the sink; a refused one ends the attempt. */
  report(taken) {
    if (taken === false || taken === null || this.signal.aborted) throw STOPPED;
    return taken;
  }

  async run() {
    const replyJob = this.order.jobType === 'upload-reply';
    let phase = this.upload.phase;
    if (phase !== 'upload') {
      // `reply` and `close` do not read the file: the order's values are repeated.
      this.report(this.sink.connected(this.order.size, this.order.validator));
      this.connected = true;
    }
    for (;;) {
      if (phase === 'upload') {
        await this.uploadPhase();
        phase = replyJob ? 'reply' : 'close';
      }
      if (phase === 'reply') {
        if (this.replyUrl === undefined) throw detail('reply-url-missing');
        await this.downloadReply();
      }
      if (await this.close()) return;
      // The server forgot the session: a new one, from 0.
      phase = 'upload';
    }
  }

  /** One BITS_POST of type `packet`; a failed connection is `connect-failed`. */
  async post(packet, more, body = new Uint8Array(0)) {
    const headers = [['BITS-Packet-Type', packet], ...more];
    let response;
    try {
      // No redirect is followed: a 3xx is a server error. A 401 is answered once.
      response = await this.auth.fetch(this.fetch, this.upload.targetUrl, { method: 'BITS_POST', headers, body, signal: this.signal, follow: false, cache: 'no-store' });
    } catch (error) {
      if (this.signal.aborted) throw STOPPED;
      throw failure('connect-failed', `${packet}: ${error.cause?.message ?? error.message}`);
    }
    if (response.type === 'opaqueredirect') throw detail('server-error', { status: 302, description: `${packet}: redirected` });
    // The body only gives a failure its words.
    const text = response.ok ? (await response.body?.cancel().catch(() => {}), '') : (await response.text().catch(() => '')).slice(0, 1024).trim();
    return new Answer(response, text);
  }

  /** Whether a failed answer is BG_E_SESSION_NOT_FOUND the attempt may recover from, once. */
  async renewOn(answer) {
    if (answer.errorCode !== SESSION_NOT_FOUND || this.renewed) return false;
    this.renewed = true;
    this.session = undefined;
    await this.createSession();
    return true;
  }

  async createSession() {
    const answer = await this.post('Create-Session', [
      ['BITS-Supported-Protocols', BITS_PROTOCOL],
      ['Content-Name', contentName(this.order.localName)],
    ]);
    if (!answer.success) throw answer.serverError('Create-Session');
    answer.checkAck('Create-Session');
    if (answer.header('bits-protocol')?.toLowerCase() !== BITS_PROTOCOL) {
      throw detail('protocol-mismatch', "Create-Session's Ack names no protocol this client offered");
    }
    const id = answer.header('bits-session-id');
    if (!validSessionId(id)) throw invalid("Create-Session's Ack has no valid BITS-Session-Id");
    const hostId = answer.header('bits-host-id') || undefined;
    const fallbackText = answer.header('bits-host-id-fallback-timeout');
    const fallback = fallbackText !== undefined && /^\d{1,9}$/.test(fallbackText) ? Number(fallbackText) : undefined;
    this.report(this.sink.session(id, hostId, fallback));
    this.session = id;
  }

  /** Fragments from the server's offset until its Ack puts the offset at the size. */
  async uploadPhase() {
    this.source ??= await this.sources.open(this.order.localName);
    const snapshot = await this.source.snapshot();
    const { size, validator } = this.order;
    if (size !== undefined && validator !== undefined && (size !== snapshot.size || validator !== snapshot.validator)) {
      throw detail('local-file-changed');
    }
    // A BITS-Host-Id server is pinged first, as Windows does.
    if (this.upload.targetUrl !== this.order.remoteName) {
      const answer = await this.post('Ping', []);
      if (!answer.success) throw answer.serverError('Ping');
    }
    if (this.session === undefined) await this.createSession();
    let offset = 0n;
    if (!this.connected) {
      this.connected = true;
      offset = this.report(this.sink.connected(snapshot.size, snapshot.validator));
    }
    await this.fragments(snapshot, offset);
  }

  async fragments(snapshot, from) {
    const { size } = snapshot;
    let offset = from;
    let fragment = BigInt(Math.max(this.fragmentSize, MIN_FRAGMENT));
    for (;;) {
      const now = await this.source.snapshot();
      if (now.size !== snapshot.size || now.validator !== snapshot.validator) throw detail('local-file-changed');
      const start = offset;
      const count = fragment < size - start ? fragment : size - start;
      const body = await this.source.read(start, count);
      const headers = [
        ['BITS-Session-Id', this.session ?? ''],
        ['Content-Range', size === 0n ? 'bytes */0' : `bytes ${start}-${start + count - 1n}/${size}`],
      ];
      if (start === 0n) headers.push(['Content-Name', contentName(this.order.localName)]);
      const answer = await this.post('Fragment', headers, body);
      let received;
      if (answer.success) {
        answer.checkAck('Fragment');
        received = answer.received(size);
        if (size > 0n && received <= start) throw invalid('the server acknowledged none of the fragment');
      } else if (answer.status === 416) {
        received = answer.received(size);
        if (received === start) throw invalid('416 names the start of the fragment just sent');
      } else if (answer.status === 413 && answer.errorCode !== TOO_LARGE && fragment > BigInt(MIN_FRAGMENT)) {
        // Smaller fragments for the rest of the attempt; this one again.
        fragment = fragment / 2n > BigInt(MIN_FRAGMENT) ? fragment / 2n : BigInt(MIN_FRAGMENT);
        continue;
      } else if (await this.renewOn(answer)) {
        offset = 0n;
        continue;
      } else {
        throw answer.serverError('Fragment');
      }
      offset = received;
      this.report(this.sink.acknowledged(received));
      if (received === size) {
        if (this.order.jobType === 'upload-reply') {
          const given = answer.header('bits-reply-url');
          if (given === undefined) throw detail('reply-url-missing');
          this.replyUrl = resolveReplyUrl(this.upload.targetUrl, given);
          this.report(this.sink.replyUrl(this.replyUrl));
        }
        return;
      }
    }
  }

  /** Upload-reply's reply: a GET into the reply's temporary file, from its start. */
  async downloadReply() {
    const temporary = this.upload.replyTemporaryName ?? '';
    const file = await this.files.open(temporary, temporary);
    try {
      let response;
      try {
        response = await this.auth.fetch(this.fetch, this.replyUrl, { signal: this.signal, cache: 'no-store' });
      } catch (error) {
        if (this.signal.aborted) throw STOPPED;
        if (error instanceof AuthEnd) throw error;
        throw failure('connect-failed', error.cause?.message ?? error.message);
      }
      if (!response.ok) {
        response.body?.cancel().catch(() => {});
        throw failure('http-status', response.status);
      }
      const lengthText = response.headers.get('content-length');
      const size = lengthText !== null && /^\s*\d+\s*$/.test(lengthText) ? BigInt(lengthText.trim()) : undefined;
      const validator = response.headers.get('etag') ?? undefined;
      await file.truncate(0n);
      this.report(this.sink.replyConnected(size, validator, 0n));
      const kept = [];
      let keptBytes = 0;
      let total = 0n;
      let reported = 0n;
      const reader = response.body.getReader();
      for (;;) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (this.signal.aborted) throw STOPPED;
          throw failure('interrupted', error.cause?.message ?? error.message);
        }
        if (chunk.done) break;
        if (this.signal.aborted) throw STOPPED;
        const bytes = chunk.value;
        if (keptBytes <= MAX_REPLY_DATA) {
          kept.push(bytes.slice());
          keptBytes += bytes.length;
        }
        total += BigInt(bytes.length);
        await file.write(bytes);
        if (total - reported >= BigInt(REPLY_PROGRESS)) {
          await file.flush();
          this.report(this.sink.replyProgress(total));
          reported = total;
        }
      }
      if (size !== undefined && size !== total) throw failure('interrupted', `the reply ended after ${total} bytes`);
      await file.flush();
      if (total > reported) this.report(this.sink.replyProgress(total));
      let data;
      if (keptBytes <= MAX_REPLY_DATA) {
        data = new Uint8Array(keptBytes);
        let at = 0;
        for (const part of kept) {
          data.set(part, at);
          at += part.length;
        }
      }
      this.report(this.sink.replyDone(data));
    } finally {
      await file.close().catch(() => {});
    }
  }

  /** Close-Session: true at its 2xx Ack, false when the server forgot the session and a new one was made. */
  async close() {
    const answer = await this.post('Close-Session', [['BITS-Session-Id', this.session ?? '']]);
    if (answer.success) {
      answer.checkAck('Close-Session');
      return true;
    }
    if (await this.renewOn(answer)) return false;
    throw answer.serverError('Close-Session');
  }
}
