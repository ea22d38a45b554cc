// Credentials and custom headers from the Node host (contract §15.1–§15.2),
// against servers on 127.0.0.1 that demand them: basic and digest answer a
// 401 once; a bearer token goes on every request, set as credentials or as
// a custom header; write-only headers reach the server from the secret
// store; nothing secret reaches the journal (its text, or the component's
// records inside it), the secret store is the owner's only and forgets a
// job once its removal is stored; a redirect to another origin carries
// none of it; a second 401 is fatal. One process holds one queue: these
// tests share it and run in order.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startBitsServer } from '../bits-server.js';
import { QueueError, openQueue } from '../node/index.js';

const USER = 'ann';
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
const KEY = `key-${randomBytes(12).toString('hex')}`;
const REALM = 'bits-queue tests';
const NONCE = randomBytes(8).toString('hex');
const BODY = randomBytes(100_000);

let dir;
let queue;
let bits;
/** The origin that demands credentials, and another one a redirect leads to. */
let main;
let other;
/** The host's sessionCancel events: { sessionId, ended } after each Cancel-Session attempt. */
const cancelAttempts = [];

/** A server on 127.0.0.1 that logs every request's headers and answers with `route`. */
function startLogged(route) {
  const log = [];
  const server = createServer((request, response) => {
    log.push({ path: request.url, headers: { ...request.headers } });
    route(request, response);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      resolve({ log, url, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

const md5 = (text) => createHash('md5').update(text).digest('hex');

/** Whether a Digest `Authorization` answers our challenge for `method` with the right password (RFC 7616, MD5, qop=auth). */
function digestValid(value, method) {
  if (!value?.startsWith('Digest ')) return false;
  const params = Object.fromEntries([...value.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)].map((m) => [m[1], m[2] ?? m[3]]));
  if (params.username !== USER || params.realm !== REALM || params.nonce !== NONCE || params.qop !== 'auth') return false;
  const ha1 = md5(`${USER}:${REALM}:${PASSWORD}`);
  const ha2 = md5(`${method}:${params.uri}`);
  return params.response === md5(`${ha1}:${NONCE}:${params.nc}:${params.cnonce}:auth:${ha2}`);
}

function demand(response, challenge) {
  response.writeHead(401, { 'WWW-Authenticate': challenge });
  response.end('authorization required');
}

before(async () => {
  other = await startLogged((request, response) => response.end(BODY));
  main = await startLogged((request, response) => {
    const given = request.headers.authorization;
    const path = request.url.split('?')[0];
    if (path === '/basic') {
      if (given !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`) return demand(response, `Basic realm="${REALM}"`);
    } else if (path === '/digest') {
      if (!digestValid(given, request.method)) return demand(response, `Digest realm="${REALM}", nonce="${NONCE}", qop="auth", algorithm=MD5`);
    } else if (path === '/bearer') {
      if (given !== `Bearer ${TOKEN}`) return demand(response, `Bearer realm="${REALM}"`);
    } else if (path === '/header') {
      if (request.headers['x-api-key'] !== KEY) return demand(response, `Basic realm="${REALM}"`);
    } else if (path === '/redirect') {
      response.writeHead(302, { Location: `${other.url}/landing` });
      return response.end();
    } else {
      response.writeHead(404);
      return response.end();
    }
    response.end(BODY);
  });
  bits = await startBitsServer();
  dir = await mkdtemp(join(tmpdir(), 'bits-queue-node-auth-'));
  queue = await openQueue({ journal: join(dir, 'journal.json'), allowRead: [dir], events: { sessionCancel: (attempt) => cancelAttempts.push(attempt) } });
});

after(async () => {
  await queue?.close();
  await main?.close();
  await other?.close();
  await bits?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A download job of `path` on the main server; `settings(job)` runs before resume. */
async function download(name, path, settings = () => {}, base = main.url) {
  return queue.change(() => {
    const job = queue.jobs.createJob(name, 'download');
    job.addFile(`${base}${path}`, join(dir, name));
    settings(job);
    job.resume();
    return job;
  });
}

const since = (log, at) => log.slice(at);

/** Every secret this file uses, found anywhere in the journal: its text, and each record's bytes. */
async function secretsInJournal() {
  const text = await readFile(join(dir, 'journal.json'), 'utf8');
  const records = JSON.parse(text).jobs.map(({ bytes }) => Buffer.from(bytes, 'base64').toString('latin1'));
  return [PASSWORD, TOKEN, KEY].filter((secret) => text.includes(secret) || records.some((bytes) => bytes.includes(secret)));
}

test('basic answers the 401 that names it, once; without credentials the 401 is fatal', { timeout: 60_000 }, async () => {
  const at = main.log.length;
  const job = await download('basic.bin', '/basic', (j) => j.setCredentials({ target: 'server', scheme: 'basic', userName: USER, password: PASSWORD }));
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred', JSON.stringify(job.getError?.()));
  const seen = since(main.log, at).map((r) => r.headers.authorization);
  assert.equal(seen[0], undefined, 'basic waits for the challenge');
  assert.match(seen[1], /^Basic /);
  assert.equal(seen.length, 2);
  await queue.change(() => job.complete());
  assert.deepEqual(await readFile(join(dir, 'basic.bin')), BODY);

  const bare = await download('bare.bin', '/basic');
  assert.equal(await queue.waitFor(bare, ['transferred', 'error']), 'error');
  assert.equal(bare.getError().hresult, 0x80190191);
  await queue.change(() => bare.cancel());
});

test('a wrong password gets a second 401, which is fatal; a challenge naming no scheme the job has is too', { timeout: 60_000 }, async () => {
  const at = main.log.length;
  const wrong = await download('wrong.bin', '/basic', (j) => j.setCredentials({ target: 'server', scheme: 'basic', userName: USER, password: 'not it' }));
  assert.equal(await queue.waitFor(wrong, ['transferred', 'error']), 'error');
  assert.equal(wrong.getError().hresult, 0x80190191);
  assert.equal(since(main.log, at).length, 2, 'the challenge was answered once');
  // Basic credentials, a Digest-only challenge: not answered.
  const unanswered = await download('unanswered.bin', '/digest', (j) => j.setCredentials({ target: 'server', scheme: 'basic', userName: USER, password: PASSWORD }));
  assert.equal(await queue.waitFor(unanswered, ['transferred', 'error']), 'error');
  assert.equal(unanswered.getError().hresult, 0x80190191);
  await queue.change(() => {
    wrong.cancel();
    unanswered.cancel();
  });
});

test('digest (MD5, qop=auth) answers a digest challenge', { timeout: 60_000 }, async () => {
  const job = await download('digest.bin', '/digest', (j) => j.setCredentials({ target: 'server', scheme: 'digest', userName: USER, password: PASSWORD }));
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred', JSON.stringify(job.getError?.()));
  await queue.change(() => job.complete());
  assert.deepEqual(await readFile(join(dir, 'digest.bin')), BODY);
});

test('a bearer token goes on every request, set as credentials or as a custom header', { timeout: 60_000 }, async () => {
  const at = main.log.length;
  const viaCredentials = await download('bearer.bin', '/bearer', (j) => j.setCredentials({ target: 'server', scheme: 'bearer', userName: '', password: TOKEN }));
  assert.equal(await queue.waitFor(viaCredentials, ['transferred', 'error']), 'transferred');
  assert.deepEqual(since(main.log, at).map((r) => r.headers.authorization), [`Bearer ${TOKEN}`], 'on the first request, no challenge needed');
  const viaHeader = await download('bearer-header.bin', '/bearer', (j) => j.setCustomHeaders(`Authorization: Bearer ${TOKEN}\r\n`));
  assert.equal(await queue.waitFor(viaHeader, ['transferred', 'error']), 'transferred');
  // An Authorization header is write-only at once (contract §15.1).
  assert.throws(() => viaHeader.getCustomHeaders(), (error) => error instanceof QueueError && error.code === 'access-denied' && error.windowsName === 'E_ACCESSDENIED');
  assert.deepEqual(await secretsInJournal(), []);
  await queue.change(() => {
    viaCredentials.complete();
    viaHeader.complete();
  });
});

test('write-only custom headers reach the server from the secret store; the journal holds no secret; the store is owner-only and forgets removed jobs', { timeout: 60_000 }, async () => {
  const job = await download('header.bin', '/header', (j) => {
    j.setCustomHeaders(`X-Api-Key: ${KEY}\r\nX-Plain: shown\r\n`);
    j.makeCustomHeadersWriteOnly();
    j.setCredentials({ target: 'server', scheme: 'basic', userName: USER, password: PASSWORD });
  });
  assert.throws(() => job.getCustomHeaders(), { code: 'access-denied' });
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred', JSON.stringify(job.getError?.()));
  const request = main.log.findLast((r) => r.path === '/header');
  assert.equal(request.headers['x-api-key'], KEY);
  assert.equal(request.headers['x-plain'], 'shown');
  assert.deepEqual(await secretsInJournal(), [], 'no secret in the journal');
  assert.equal((await stat(join(dir, 'journal.json'))).mode & 0o777, 0o600);

  const guid = queue.component.types.guidToString(job.getId());
  const store = join(dir, 'journal.json.secrets');
  assert.equal((await stat(store)).mode & 0o777, 0o700);
  assert.equal((await stat(join(store, guid))).mode & 0o777, 0o600);
  await queue.change(() => job.complete());
  assert.ok(!(await readdir(store)).includes(guid), "a removed job's secrets are deleted");
});

test('a redirect to another origin carries no credentials and no custom headers', { timeout: 60_000 }, async () => {
  const [mainAt, otherAt] = [main.log.length, other.log.length];
  const job = await download('redirected.bin', '/redirect', (j) => {
    j.setCustomHeaders(`X-Api-Key: ${KEY}\r\n`);
    j.setCredentials({ target: 'server', scheme: 'bearer', userName: '', password: TOKEN });
  });
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred', JSON.stringify(job.getError?.()));
  const [asked] = since(main.log, mainAt);
  assert.equal(asked.headers.authorization, `Bearer ${TOKEN}`, 'the origin named got them');
  assert.equal(asked.headers['x-api-key'], KEY);
  const landed = since(other.log, otherAt);
  assert.equal(landed.length, 1);
  assert.equal(landed[0].headers.authorization, undefined);
  assert.equal(landed[0].headers['x-api-key'], undefined);
  await queue.change(() => job.complete());
  assert.deepEqual(await readFile(join(dir, 'redirected.bin')), BODY);
});

test('uploads carry the credentials on every packet', { timeout: 60_000 }, async () => {
  const { writeFile } = await import('node:fs/promises');
  const local = join(dir, 'up.bin');
  await writeFile(local, BODY);
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  bits.requireAuth(expected);
  const at = bits.log.length;
  try {
    const job = await queue.change(() => {
      const created = queue.jobs.createJob('upload with basic', 'upload');
      created.addFile(bits.url('/uploads/up.bin'), local);
      created.setCredentials({ target: 'server', scheme: 'basic', userName: USER, password: PASSWORD });
      created.resume();
      return created;
    });
    assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred', JSON.stringify(job.getError?.()));
    assert.deepEqual(bits.file('/uploads/up.bin'), BODY);
    const packets = since(bits.log, at);
    // Each packet's first try meets the challenge, its answer carries basic.
    assert.ok(packets.some((p) => p.headers.authorization === expected));
    assert.ok(packets.filter((p) => p.status >= 200 && p.status < 300).every((p) => p.headers.authorization === expected));
    await queue.change(() => job.complete());
  } finally {
    bits.requireAuth(null);
  }
});

test("a cancelled upload's Cancel-Session carries the credentials, read after the removal was stored; then they are deleted", { timeout: 60_000 }, async () => {
  const { writeFile } = await import('node:fs/promises');
  const local = join(dir, 'cancelled.bin');
  await writeFile(local, BODY);
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  bits.requireAuth(expected);
  // Every packet is asked twice (its 401, then with basic): the Fragment's answered try is held.
  bits.fault('pass', 'pass', 'pass', 'hold');
  const at = bits.log.length;
  try {
    const job = await queue.change(() => {
      const created = queue.jobs.createJob('cancelled upload with basic', 'upload');
      created.addFile(bits.url('/uploads/cancelled.bin'), local);
      created.setCredentials({ target: 'server', scheme: 'basic', userName: USER, password: PASSWORD });
      created.resume();
      return created;
    });
    const guid = queue.component.types.guidToString(job.getId());
    const held = () => since(bits.log, at).some((p) => p.packetType === 'Fragment' && p.headers.authorization === expected);
    while (!held()) await new Promise((resolve) => setTimeout(resolve, 20));
    await queue.change(() => job.cancel());
    while (!cancelAttempts.some((attempt) => attempt.ended)) await new Promise((resolve) => setTimeout(resolve, 20));
    const cancels = since(bits.log, at).filter((p) => p.packetType === 'Cancel-Session');
    assert.deepEqual(cancels.map((p) => [p.status, p.headers.authorization]), [[401, undefined], [200, expected]]);
    const store = join(dir, 'journal.json.secrets');
    while ((await readdir(store)).includes(guid)) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    bits.requireAuth(null);
  }
});

test('the notify program runs once, with the job\'s GUID, after transferred', { timeout: 60_000 }, async () => {
  const out = join(dir, 'notified.txt');
  const job = await download('notified.bin', '/bearer', (j) => {
    j.setCredentials({ target: 'server', scheme: 'bearer', userName: '', password: TOKEN });
    j.setNotifyCmdLine({ program: '/bin/sh', parameters: `sh -c "echo \\"$BITSQ_JOB_ID $BITSQ_JOB_EVENT $0\\" >> ${out}" argv-zero-is-sh` });
  });
  assert.equal(await queue.waitFor(job, ['transferred', 'error']), 'transferred');
  const guid = queue.component.types.guidToString(job.getId());
  let text = '';
  while (!text.includes('\n')) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    text = await readFile(out, 'utf8').catch(() => '');
  }
  assert.equal(text, `${guid} transferred argv-zero-is-sh\n`);
  await queue.change(() => job.complete());
  assert.equal(await readFile(out, 'utf8'), text, 'run once');
});

test('what this host cannot do is refused with E_NOTIMPL at the call', async () => {
  const job = await queue.change(() => queue.jobs.createJob('refused settings', 'download'));
  const notImplemented = async (call, argument) =>
    assert.rejects(queue.change(call), (error) => error instanceof QueueError && error.code === 'not-implemented' && error.windowsName === 'E_NOTIMPL' && error.argument === argument);
  await notImplemented(() => job.setProxySettings({ usage: 'no-proxy', proxyList: '', bypassList: '' }), 'settings');
  await notImplemented(() => job.setClientCertificate({ store: 'MY', id: { tag: 'subject', val: 'me' } }), 'certificate');
  await notImplemented(() => job.setSecurityFlags(0x4), 'value');
  // Outside change(), a setter of §15 is refused like every changing call.
  assert.throws(() => job.setCustomHeaders('X-A: 1\r\n'), /setCustomHeaders changes the queue/);
  await queue.change(() => job.cancel());
});
