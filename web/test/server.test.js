// The static server: what it serves, with which type, and what it refuses.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORT, portFromCommandLine, resolveRequestPath, startServer, startServerOrFree } from '../server.js';
import { testFileBytes } from '../test-files.js';

let server;
let base;

before(async () => {
  ({ server, url: base } = await startServer({ port: 0 }));
});
after(() => new Promise((resolve) => server.close(resolve)));

/** Sends a raw request path (no client-side normalisation) and returns status and type. */
function fetchRaw(path, method = 'GET') {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('listens on 127.0.0.1 with an ephemeral port for port 0', () => {
  const { address, port } = server.address();
  assert.equal(address, '127.0.0.1');
  assert.ok(port > 0);
  assert.equal(base, `http://127.0.0.1:${port}/`);
});

test('serves the page, the component and the random and clock shims with their types', async () => {
  const expected = {
    '/': 'text/html; charset=utf-8',
    '/app.js': 'text/javascript; charset=utf-8',
    '/style.css': 'text/css; charset=utf-8',
    '/generated/bits-queue.js': 'text/javascript; charset=utf-8',
    '/generated/bits-queue.core.wasm': 'application/wasm',
    '/vendor/preview2-shim/random.js': 'text/javascript; charset=utf-8',
    '/vendor/preview2-shim/clocks.js': 'text/javascript; charset=utf-8',
    '/vendor/preview2-shim/io.js': 'text/javascript; charset=utf-8',
    '/vendor/preview2-shim/common.js': 'text/javascript; charset=utf-8',
  };
  for (const [path, type] of Object.entries(expected)) {
    assert.deepEqual(await fetchRaw(path), { status: 200, type }, path);
  }
  assert.equal((await fetchRaw('/', 'HEAD')).status, 200);
});

test('refuses traversal, other methods and anything not listed', async () => {
  for (const path of ['/../server.js', '/generated/../../server.js', '/%2e%2e/package.json', '/generated/%2e%2e%2f%2e%2e%2fserver.js', '/a%5c..%5cserver.js', '/%E0%A4%A']) {
    assert.equal((await fetchRaw(path)).status, 400, path);
  }
  for (const path of ['/server.js', '/package.json', '/vendor/preview2-shim/cli.js', '/vendor/preview2-shim/filesystem.js', '/node_modules/playwright-core/package.json', '/generated/SOURCE', '/missing.js']) {
    assert.equal((await fetchRaw(path)).status, 404, path);
  }
  assert.equal((await fetchRaw('/', 'POST')).status, 405);
});

test('resolveRequestPath keeps every file inside its root', () => {
  assert.equal(resolveRequestPath('/../x.js').status, 400);
  assert.equal(resolveRequestPath('/x\0.js').status, 400);
  assert.match(resolveRequestPath('/').file, /public[/\\]index\.html$/);
  assert.match(resolveRequestPath('/generated/bits-queue.js').file, /generated[/\\]bits-queue\.js$/);
});

/** A GET with headers; resolves to status, headers and the body's bytes (or the error that ended it). */
function get(path, headers = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      const done = (error) => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), error });
      res.on('end', () => done(null));
      res.on('error', done);
      res.on('aborted', () => done(new Error('aborted')));
    });
    req.on('error', reject);
    req.end();
  });
}

test('test files: whole, ranged (206 with Content-Range), unsatisfiable (416), unknown (404)', async () => {
  const whole = await get('/files/1MiB.bin');
  assert.equal(whole.status, 200);
  assert.equal(whole.headers['content-length'], '1048576');
  assert.equal(whole.headers['accept-ranges'], 'bytes');
  assert.deepEqual(whole.body, testFileBytes(0, 1048576));

  const ranged = await get('/files/1MiB.bin', { Range: 'bytes=1000000-', 'If-Range': whole.headers.etag });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers['content-range'], 'bytes 1000000-1048575/1048576');
  assert.deepEqual(ranged.body, testFileBytes(1000000, 1048576));

  // If-Range with another validator: the file changed, so all of it.
  assert.equal((await get('/files/1MiB.bin', { Range: 'bytes=10-', 'If-Range': '"other"' })).status, 200);
  assert.equal((await get('/files/1MiB.bin', { Range: 'bytes=1048576-' })).status, 416);
  assert.equal((await get('/files/missing.bin')).status, 404);
  assert.equal((await get('/files/constructor')).status, 404, 'no property of an object is a file');
});

test('the drop switch ends the next download halfway, once', async () => {
  const { hostname, port } = new URL(base);
  const post = (path) =>
    new Promise((resolve, reject) => {
      const req = request({ hostname, port, path, method: 'POST' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      req.end();
    });
  assert.equal(await post('/control/drop-next?on=maybe'), 400);
  assert.equal(await post('/control/drop-next?on=1'), 200);
  const dropped = await get('/files/1MiB.bin');
  assert.ok(dropped.error, 'the connection ended early');
  assert.ok(dropped.body.length <= 524288, `at most half arrived: ${dropped.body.length}`);
  assert.deepEqual(dropped.body, testFileBytes(0, dropped.body.length), 'what arrived is the file');
  const next = await get('/files/1MiB.bin');
  assert.equal(next.error, null, 'the switch turned itself off');
  assert.equal(next.body.length, 1048576);
});

test('the port: --port N, --port=N, PORT, or none given (null)', () => {
  assert.equal(portFromCommandLine([], {}), null);
  assert.equal(portFromCommandLine(['--port', '9090'], {}), 9090);
  assert.equal(portFromCommandLine(['--port=0'], {}), 0);
  assert.equal(portFromCommandLine([], { PORT: '8081' }), 8081);
  assert.throws(() => portFromCommandLine(['--port', 'x'], {}), /not a port number: "x"/);
});

test('a taken port: a free one instead when none was given, else the error', async () => {
  const taken = await startServer({ port: 0 });
  const { port } = taken.server.address();
  try {
    const moved = await startServerOrFree({ port, orFree: true });
    assert.notEqual(moved.server.address().port, port);
    await new Promise((resolve) => moved.server.close(resolve));
    await assert.rejects(startServerOrFree({ port, orFree: false }), { code: 'EADDRINUSE' });
  } finally {
    await new Promise((resolve) => taken.server.close(resolve));
  }
});

test('`node server.js` with port 8080 taken serves on a free port and prints it', { timeout: 30_000 }, async () => {
  // Hold 8080 (when something else already does, it is taken all the same).
  const holder = createServer();
  await new Promise((resolve) => holder.once('error', resolve).listen(DEFAULT_PORT, '127.0.0.1', resolve));
  const child = spawn(process.execPath, [fileURLToPath(new URL('../server.js', import.meta.url))], {
    env: { ...process.env, PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const line = await new Promise((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk) => {
        text += chunk;
        if (text.includes('\n')) resolve(text);
      });
      child.stderr.on('data', (chunk) => reject(new Error(String(chunk))));
      child.on('exit', (code) => reject(new Error(`server.js exited with ${code}: ${text}`)));
    });
    const url = /bits-queue console: (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(line);
    assert.ok(url, line);
    assert.notEqual(Number(url[2]), DEFAULT_PORT);
    assert.match(line, /port 8080 is taken/);
    const response = await fetch(new URL('/control/state', url[1]));
    assert.equal(response.status, 200);
  } finally {
    child.kill();
    holder.close();
  }
});
