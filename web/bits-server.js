// A BITS upload server ([MC-BUP], contract §14.3) on 127.0.0.1, in JS, for
// the dev server (the page's uploads) and the Node and Chromium tests: the
// server side of the protocol as tests/src/bits_server.rs speaks it for the
// Rust tests, with faults to inject.
//
// Node's HTTP parser refuses any method outside its fixed list, BITS_POST
// among them, so this is a small HTTP/1.1 server of its own over node:net:
// requests with Content-Length bodies (no chunked bodies), kept alive.
//
// BITS_POST packets: Ping; Create-Session (only the BITS 1.5 protocol);
// Fragment with Content-Range, which must continue the session's bytes (a
// gap is answered 416), acknowledged with BITS-Received-Content-Range;
// Close-Session, which files the upload under its path; Cancel-Session.
// Sessions outlive connections; an unknown session id is answered 400 with
// BG_E_SESSION_NOT_FOUND. Errors carry BITS-Error-Code and -Context in hex.
// GET serves upload-reply's reply and the uploads closed so far. A page of
// another origin (the dev server's) may post: CORS preflights are answered
// (any request header the page asks for, so its jobs' custom headers too).
// `requireAuth(value)` makes every request without exactly that
// `Authorization` a 401 with a Basic challenge; the log keeps each
// request's headers, so tests can see what reached the server.

import { createServer } from 'node:net';

/** The one upload protocol: BITS 1.5. */
export const BITS_PROTOCOL = '{7df0354d-249b-430f-820d-3d2a9bef4931}';
export const SESSION_NOT_FOUND = 0x8020001f;
export const TOO_LARGE = 0x80200020;
export const PROTOCOL_MISMATCH = 0x80200022;
const CONTEXT_REMOTE_FILE = 0x5;
/** A request head larger than this is refused (nothing legitimate comes near it). */
const MAX_HEAD = 64 * 1024;
/** A body larger than this is refused: fragments are 4 MiB by default. */
const MAX_BODY = 64 * 1024 * 1024;
/** Closed uploads kept (a dev server runs for hours). */
const KEPT_FILES = 32;

const hex = (code) => `0x${code.toString(16).toUpperCase().padStart(8, '0')}`;

/** The request headers a page may send, and the answer's it may read. */
const CORS_REQUEST_HEADERS = 'BITS-Packet-Type, BITS-Session-Id, BITS-Supported-Protocols, Content-Name, Content-Range, Content-Type';
const CORS_EXPOSED = 'BITS-Packet-Type, BITS-Protocol, BITS-Session-Id, BITS-Received-Content-Range, BITS-Error-Code, BITS-Error-Context, BITS-Reply-URL, BITS-Host-Id, BITS-Host-Id-Fallback-Timeout, ETag, WWW-Authenticate';

/**
 * Starts the server on 127.0.0.1:`port` (0: a free one). `origin`: a page
 * origin allowed to post (CORS), if any. Faults, one per BITS_POST packet in
 * order: 'pass', 'drop-halfway' (the connection closes after half the body;
 * the half is not kept), 'forget-session', 'hold' (the body is read, not
 * kept, and never answered: the client gives up), { status } (that status,
 * no Ack), { rewind: n } (the session keeps only its first n bytes first).
 */
export function startBitsServer({ port = 0, origin = null } = {}) {
  const state = {
    sessions: new Map(),
    files: new Map(),
    faults: [],
    log: [],
    sizeCap: null,
    reply: null,
    nextSession: 0,
    origin,
    authorization: null,
  };
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    serveConnection(socket, state);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const bound = server.address().port;
      resolve({
        port: bound,
        url: (path) => `http://127.0.0.1:${bound}${path}`,
        /** Faults for the next packets, one each. */
        fault: (...faults) => state.faults.push(...faults),
        /** Uploads larger than `bytes` are refused with BG_E_TOO_LARGE. */
        sizeCap: (bytes) => (state.sizeCap = bytes),
        /** Upload-reply's reply: BITS-Reply-URL names `path`, whose GET answers `body`. */
        reply: (path, body) => (state.reply = { path, body: Buffer.from(body) }),
        /** The bytes of the upload closed under `path`, or undefined. */
        file: (path) => state.files.get(path),
        /** The bytes an open session holds, or undefined. */
        sessionBytes: (id) => state.sessions.get(id)?.length,
        /** Every request so far: { packetType, path, session, range, status, received }. */
        log: state.log,
        setOrigin: (value) => (state.origin = value),
        /** Every later request must carry exactly this `Authorization` (null: none needed). */
        requireAuth: (value) => (state.authorization = value),
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

/** Reads requests off one connection and answers them in order until it closes. */
function serveConnection(socket, state) {
  let buffered = Buffer.alloc(0);
  let request = null; // the head being served, waiting for its body
  let busy = false;
  const next = () => {
    if (busy || socket.destroyed) return;
    if (request === null) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buffered.length > MAX_HEAD) refuse(socket, 431);
        return;
      }
      request = parseHead(buffered.subarray(0, end).toString('latin1'));
      buffered = buffered.subarray(end + 4);
      if (request === null) return refuse(socket, 400);
      if (request.header('transfer-encoding') !== undefined) return refuse(socket, 411);
      const length = request.header('content-length') ?? '0';
      if (!/^\d+$/.test(length) || Number(length) > MAX_BODY) return refuse(socket, 413);
      request.length = Number(length);
      request.fault = request.method === 'BITS_POST' ? (state.faults.shift() ?? 'pass') : 'pass';
    }
    const entry = {
      packetType: request.header('bits-packet-type') ?? request.method,
      path: request.path,
      session: request.header('bits-session-id') ?? null,
      range: request.header('content-range') ?? null,
      headers: request.headers,
      status: 0,
      received: 0,
    };
    if (request.fault === 'drop-halfway' && buffered.length >= Math.floor(request.length / 2)) {
      entry.received = Math.floor(request.length / 2);
      state.log.push(entry);
      socket.destroy();
      return;
    }
    if (buffered.length < request.length) return;
    const body = buffered.subarray(0, request.length);
    buffered = buffered.subarray(request.length);
    const current = request;
    request = null;
    entry.received = body.length;
    state.log.push(entry);
    if (current.fault === 'hold') {
      // Read, never answered, nothing kept: the client's connection ends it.
      busy = true;
      return;
    }
    const answer = answerOf(state, current, body);
    entry.status = answer.status;
    writeAnswer(socket, current, answer, state.origin);
    next();
  };
  socket.on('data', (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    next();
  });
}

function refuse(socket, status) {
  socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

/** A request line and headers, or null when malformed. */
function parseHead(text) {
  const [line, ...lines] = text.split('\r\n');
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.[01]$/.exec(line);
  if (!match) return null;
  const headers = new Map();
  for (const header of lines) {
    const colon = header.indexOf(':');
    if (colon <= 0) return null;
    headers.set(header.slice(0, colon).trim().toLowerCase(), header.slice(colon + 1).trim());
  }
  // An absolute URI names the path after its authority.
  const target = match[2].replace(/^[a-z]+:\/\/[^/]*/i, '') || '/';
  return { method: match[1], path: target.split('?')[0], header: (name) => headers.get(name), headers: Object.fromEntries(headers) };
}

function writeAnswer(socket, request, { status, headers = {}, body = Buffer.alloc(0) }, origin) {
  const all = { ...headers };
  if (origin !== null && request.header('origin') === origin) {
    all['Access-Control-Allow-Origin'] = origin;
    all['Access-Control-Expose-Headers'] = CORS_EXPOSED;
    all.Vary = 'Origin';
  }
  all['Content-Length'] = String(body.length);
  all['Cache-Control'] = 'no-store';
  const head = [`HTTP/1.1 ${status} BITS`, ...Object.entries(all).map(([name, value]) => `${name}: ${value}`)].join('\r\n');
  socket.write(`${head}\r\n\r\n`);
  if (body.length > 0 && request.method !== 'HEAD') socket.write(body);
}

const ack = (status, headers = {}) => ({ status, headers: { 'BITS-Packet-Type': 'Ack', ...headers } });
const error = (status, code) =>
  ack(status, { 'BITS-Error-Code': hex(code), 'BITS-Error-Context': `0x${CONTEXT_REMOTE_FILE.toString(16)}` });

/** The answer to one request, after its fault. */
function answerOf(state, request, body) {
  const { fault } = request;
  if (typeof fault === 'object' && fault.status !== undefined) return { status: fault.status, body: Buffer.from('fault') };
  const session = request.header('bits-session-id');
  if (fault === 'forget-session' && session !== undefined) state.sessions.delete(session);
  if (typeof fault === 'object' && fault.rewind !== undefined) {
    const open = state.sessions.get(session);
    if (open) {
      open.chunks = [Buffer.concat(open.chunks).subarray(0, fault.rewind)];
      open.length = open.chunks[0].length;
    }
  }
  return handle(state, request, body);
}

/** The server side of one request. */
function handle(state, request, body) {
  if (request.method === 'OPTIONS') {
    if (state.origin === null || request.header('origin') !== state.origin) return { status: 403 };
    return {
      status: 204,
      headers: {
        'Access-Control-Allow-Methods': 'BITS_POST, GET',
        'Access-Control-Allow-Headers': request.header('access-control-request-headers') || CORS_REQUEST_HEADERS,
        'Access-Control-Max-Age': '600',
      },
    };
  }
  if (state.authorization !== null && request.header('authorization') !== state.authorization) {
    return { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="bits-server"' }, body: Buffer.from('authorization required') };
  }
  if (request.method === 'GET' || request.method === 'HEAD') {
    if (state.reply?.path === request.path) return { status: 200, headers: { ETag: '"reply-1"' }, body: state.reply.body };
    const file = state.files.get(request.path);
    return file ? { status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: file } : { status: 404 };
  }
  if (request.method !== 'BITS_POST') return { status: 405, headers: { Allow: 'BITS_POST, GET, HEAD, OPTIONS' } };
  const packet = (request.header('bits-packet-type') ?? '').toLowerCase();
  if (packet === 'ping') return ack(200);
  if (packet === 'create-session') {
    const offered = (request.header('bits-supported-protocols') ?? '').split(/\s+/).some((p) => p.toLowerCase() === BITS_PROTOCOL);
    if (!offered) return error(400, PROTOCOL_MISMATCH);
    state.nextSession += 1;
    const id = `{${state.nextSession.toString(16).toUpperCase().padStart(8, '0')}-0000-4000-8000-000000000000}`;
    state.sessions.set(id, { path: request.path, chunks: [], length: 0 });
    return ack(201, { 'BITS-Protocol': BITS_PROTOCOL, 'BITS-Session-Id': id });
  }
  const id = request.header('bits-session-id');
  if (id === undefined) return error(400, SESSION_NOT_FOUND);
  if (packet === 'cancel-session') {
    state.sessions.delete(id);
    return ack(200);
  }
  const session = state.sessions.get(id);
  if (!session) return error(400, SESSION_NOT_FOUND);
  if (packet === 'close-session') {
    state.sessions.delete(id);
    state.files.delete(session.path);
    state.files.set(session.path, Buffer.concat(session.chunks));
    if (state.files.size > KEPT_FILES) state.files.delete(state.files.keys().next().value);
    return ack(200);
  }
  if (packet === 'fragment') return fragment(state, session, request.header('content-range'), body);
  return error(400, PROTOCOL_MISMATCH);
}

/** `bytes a-b/total` → { first, last, total }; `bytes *\/0` → { total: 0 }; else null. */
function parseRange(text) {
  const match = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+)$/.exec(text ?? '');
  if (!match) return null;
  const total = Number(match[3]);
  if (match[1] === undefined) return { total };
  const [first, last] = [Number(match[1]), Number(match[2])];
  return first <= last && last < total ? { first, last, total } : null;
}

function fragment(state, session, rangeText, body) {
  const range = parseRange(rangeText);
  if (range === null) return error(400, PROTOCOL_MISMATCH);
  if (state.sizeCap !== null && range.total > state.sizeCap) return error(413, TOO_LARGE);
  const received = session.length;
  if (range.first === undefined) {
    if (range.total !== 0 || body.length !== 0) return error(400, PROTOCOL_MISMATCH);
  } else {
    if (range.last - range.first + 1 !== body.length) return error(400, PROTOCOL_MISMATCH);
    // A gap: say where the server is.
    if (range.first > received) return ack(416, { 'BITS-Received-Content-Range': String(received) });
    // Bytes the server already has are skipped, the rest kept.
    const skip = received - range.first;
    if (skip < body.length) {
      // A copy: the connection's buffer is reused.
      session.chunks.push(Buffer.from(body.subarray(skip)));
      session.length += body.length - skip;
    }
  }
  const now = session.length;
  const headers = { 'BITS-Received-Content-Range': String(now) };
  if (now === range.total && state.reply !== null) headers['BITS-Reply-URL'] = state.reply.path;
  return ack(200, headers);
}
