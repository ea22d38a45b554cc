#!/usr/bin/env node
// A tiny static server for the job-queue console: no dependencies, 127.0.0.1
// only, GET/HEAD only (but for the one switch below), and only three places
// on disk — the page (public/), the transpiled component (generated/) and the
// files of the preview2 shim the page imports (its browser random source and
// wall clock). It also serves test downloads made on the fly (test-files.js)
// under /files/, with Range support, and a switch to drop the next one
// halfway: POST /control/drop-next?on=1 (GET /control/state reads it).
// Beside it runs a BITS upload server (bits-server.js) for the page's
// uploads, on a port of its own (Node's HTTP parser refuses the BITS_POST
// method), allowing this server's origin; /control/state names its URL.
// For the credential tests (contract §15.1–§15.2), /protected/NAME serves
// the test file NAME only to a request that carries what `state.auth`
// names (set in-process by a test: { basic: 'user:password', bearer:
// 'token', header: ['X-Name', 'value'] }, any of them), else 401 with a
// Basic challenge; `state.seen` keeps each such request's Authorization and
// headers. /redirect?to=URL answers 302 to URL.
//
//   node server.js [--port N]     (or PORT=N; 0 picks a free port; with
//                                 neither, 8080, or a free port if 8080 is taken)

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startBitsServer } from './bits-server.js';
import { TEST_FILES, serveTestFile } from './test-files.js';

const webDir = fileURLToPath(new URL('.', import.meta.url));
// preview2-shim 0.26 ships its browser build as dist/browser/.
const shimDir = join(webDir, 'node_modules', '@bytecodealliance', 'preview2-shim', 'dist', 'browser');

export const HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

// URL prefix → directory. The first matching prefix wins.
const ROOTS = [
  ['/generated/', join(webDir, 'generated')],
  ['/', join(webDir, 'public')],
];

// The shim's browser random and clocks interfaces and what they import
// (random.js imports ./common.js; clocks.js imports ./common.js and ./io.js;
// io.js imports ./common.js, which imports nothing). Listed one by one:
// nothing else under node_modules is reachable.
const VENDOR_FILES = new Map(
  ['random.js', 'clocks.js', 'io.js', 'common.js'].map((file) => [`/vendor/preview2-shim/${file}`, join(shimDir, file)]),
);

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  // WebAssembly.compileStreaming refuses any other type.
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The file a request path names, or an error status: 400 for a path that is
 * malformed or climbs out of its root, 404 for one that names nothing here.
 */
export function resolveRequestPath(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return { status: 400 };
  // Refuse any `..` segment outright rather than normalising it away.
  if (decoded.split('/').some((segment) => segment === '..')) return { status: 400 };
  if (decoded.endsWith('/')) decoded += 'index.html';

  const vendored = VENDOR_FILES.get(decoded);
  if (vendored) return { file: vendored };

  const [prefix, root] = ROOTS.find(([prefix]) => decoded.startsWith(prefix));
  const file = resolve(root, `.${decoded.slice(prefix.length - 1)}`);
  if (!file.startsWith(root + sep)) return { status: 400 };
  if (!(extname(file) in MIME_TYPES)) return { status: 404 };
  return { file };
}

/** The switch and the test files' list, as the page reads them. */
function controlState(state) {
  const files = Object.entries(TEST_FILES)
    .filter(([, { listed }]) => listed !== false)
    .map(([name, { size }]) => ({ name, size, url: `/files/${name}` }));
  return { dropNext: state.dropNext, files, uploads: state.bits ? state.bits.url('/uploads/') : null };
}

/** Whether `request` carries one of the credentials `auth` names. */
function authorized(request, auth) {
  if (!auth) return false;
  const given = request.headers.authorization ?? '';
  if (auth.basic && given === `Basic ${Buffer.from(auth.basic).toString('base64')}`) return true;
  if (auth.bearer && given === `Bearer ${auth.bearer}`) return true;
  return Boolean(auth.header && request.headers[auth.header[0].toLowerCase()] === auth.header[1]);
}

async function handle(request, response, state) {
  const send = (status, text) => {
    response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : `${text}\n`);
  };
  const sendJson = (value) => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    response.end(JSON.stringify(value));
  };
  // The raw path, not a URL-normalised one, so `..` is refused, not resolved.
  const [pathname, query = ''] = request.url.split('#', 1)[0].split('?', 2);

  if (pathname === '/control/drop-next') {
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      return send(405, 'method not allowed');
    }
    const on = new URLSearchParams(query).get('on');
    if (on !== '0' && on !== '1') return send(400, 'say on=1 or on=0');
    state.dropNext = on === '1';
    return sendJson(controlState(state));
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(405, 'method not allowed');
  }
  if (pathname === '/control/state') return sendJson(controlState(state));
  if (pathname.startsWith('/files/')) return serveTestFile(pathname.slice('/files/'.length), request, response, state);
  if (pathname.startsWith('/protected/')) {
    state.seen.push({ path: pathname, headers: { ...request.headers } });
    if (!authorized(request, state.auth)) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="bits-queue tests"', 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
      return response.end('authorization required\n');
    }
    return serveTestFile(pathname.slice('/protected/'.length), request, response, state);
  }
  if (pathname === '/redirect') {
    response.writeHead(302, { Location: new URLSearchParams(query).get('to') ?? '/', 'Cache-Control': 'no-store' });
    return response.end();
  }

  const { file, status } = resolveRequestPath(pathname);
  if (!file) return send(status, status === 400 ? 'bad request' : 'not found');

  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) {
    const hint = pathname.startsWith('/generated/') ? ' (run `npm run build` to transpile the component)' : '';
    return send(404, `not found${hint}`);
  }
  response.writeHead(200, {
    'Content-Type': MIME_TYPES[extname(file)],
    'Content-Length': info.size,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (request.method === 'HEAD') return response.end();
  createReadStream(file)
    .on('error', () => response.destroy())
    .pipe(response);
}

/**
 * Starts serving on 127.0.0.1:`port` (0 = any free port); resolves to the
 * server, its URL, its state (the drop switch and the log of test-file
 * requests: { name, range, status, dropped }) and its BITS upload server
 * (`bits`, closed with the server).
 */
export async function startServer({ port = DEFAULT_PORT } = {}) {
  const started = await listen(port);
  const bits = await startBitsServer({ origin: started.url.slice(0, -1) });
  started.state.bits = bits;
  started.server.once('close', () => bits.close());
  return { ...started, bits };
}

function listen(port) {
  const state = { dropNext: false, requests: [], bits: null, auth: null, seen: [] };
  const server = createServer((request, response) => {
    handle(request, response, state).catch((error) => {
      console.error(`server: ${request.method} ${request.url}: ${error.message}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      const { port: bound } = server.address();
      resolvePromise({ server, url: `http://${HOST}:${bound}/`, state });
    });
  });
}

/**
 * Starts on `port`; when `orFree` and the port is taken, on a free one
 * instead (the caller prints the URL it got).
 */
export async function startServerOrFree({ port, orFree }) {
  try {
    return await startServer({ port });
  } catch (error) {
    if (!orFree || error.code !== 'EADDRINUSE') throw error;
    return startServer({ port: 0 });
  }
}

/** The port from `--port N` / `--port=N`, else PORT, else null (none given). */
export function portFromCommandLine(args, env) {
  // An empty PORT counts as none.
  let text = env.PORT || null;
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--port') text = args[++i] ?? '';
    else if (args[i].startsWith('--port=')) text = args[i].slice('--port='.length);
    else throw new Error(`unknown argument ${args[i]} (usage: node server.js [--port N])`);
  }
  if (text === null) return null;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`not a port number: "${text}" (0-65535; 0 picks a free port)`);
  return port;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const given = portFromCommandLine(process.argv.slice(2), process.env);
    // No port given: the default, or any free one when something holds it.
    const { url, bits } = await startServerOrFree({ port: given ?? DEFAULT_PORT, orFree: given === null });
    const moved = given === null && !url.endsWith(`:${DEFAULT_PORT}/`) ? ` (port ${DEFAULT_PORT} is taken)` : '';
    console.log(`bits-queue console: ${url}${moved}  (Ctrl-C to stop)`);
    console.log(`BITS upload server for its uploads: ${bits.url('/uploads/')}`);
  } catch (error) {
    const hint = error.code === 'EADDRINUSE' ? ' (choose another with PORT=N or --port N; 0 picks a free one)' : '';
    console.error(`server: ${error.message}${hint}`);
    process.exitCode = 1;
  }
}
