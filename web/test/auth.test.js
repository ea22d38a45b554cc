// The JS hosts' pieces of contract §15.2 and §16.1 that need no server:
// WWW-Authenticate read as RFC 9110 writes it, digest answers checked
// against RFC 7616's own example, where headers and credentials may go,
// and parameters split into argv by CommandLineToArgvW's rules.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { RequestAuth, refusedSetting, shownUrl } from '../public/engine/auth.js';
import { challenges } from '../public/engine/challenge.js';
import { WEB_HASHES, digestAnswer, digestOffered } from '../public/engine/digest.js';
import { memorySecrets } from '../public/engine/secrets.js';
import { splitParameters } from '../node/notify.js';

const NODE_HASHES = { ...WEB_HASHES, MD5: async (text) => createHash('md5').update(text).digest('hex') };

test('several challenges in one value, quoted strings, token68', () => {
  const found = challenges([
    'Basic realm="a, b", Digest Realm="r", qop="auth,auth-int", algorithm=SHA-256, nonce="n\\"x"',
    'Bearer',
    'Negotiate YWJj==',
  ]);
  assert.deepEqual(found.map((c) => c.scheme), ['Basic', 'Digest', 'Bearer', 'Negotiate']);
  assert.deepEqual([...found[0].params], [['realm', 'a, b']]);
  assert.deepEqual([...found[1].params], [['realm', 'r'], ['qop', 'auth,auth-int'], ['algorithm', 'SHA-256'], ['nonce', 'n"x']]);
  assert.ok(found[1].is('digest'));
  assert.equal(found[2].params.size, 0);
  assert.deepEqual(challenges(['', ' , ', '"quoted"']), []);
});

test("digest answers RFC 7616's example for MD5 and SHA-256; the page, without MD5, answers SHA-256 only", async () => {
  const request = { user: 'Mufasa', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };
  for (const [algorithm, expected] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ]) {
    const found = challenges([
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    ]);
    const value = await digestAnswer(found, request, NODE_HASHES);
    assert.ok(value.includes(`response="${expected}"`), value);
    assert.ok(value.includes('qop=auth, nc=00000001'), value);
    assert.ok(value.includes('opaque="FQhe/'), value);
    assert.equal(digestOffered(found, WEB_HASHES), algorithm === 'SHA-256');
  }
  for (const unusable of ['Digest realm="r", nonce="n", qop="auth-int"', 'Digest realm="r", nonce="n", algorithm=SHA-512-256', 'Digest nonce="n"', 'Basic realm="r"']) {
    assert.equal(digestOffered(challenges([unusable]), NODE_HASHES), false, unusable);
  }
});

const response = (status, challenge) => new Response(null, { status, headers: challenge ? { 'WWW-Authenticate': challenge } : {} });

test('headers and credentials go only to the origins the job named; bearer replaces a custom Authorization', async () => {
  const secrets = memorySecrets();
  await secrets.apply([
    { type: 'put', guid: '{J}', slot: 'server-bearer', userName: '', value: 'tok' },
    { type: 'put', guid: '{J}', slot: 'custom-headers', userName: '', value: 'Authorization: Custom x\r\nX-A: 1\r\n' },
  ]);
  const http = { customHeaders: undefined, secretHeaders: true, credentials: [{ target: 'server', scheme: 'bearer' }], securityFlags: 0, proxy: { usage: 'preconfig' } };
  const auth = await RequestAuth.forOrder({ http, job: '{J}', secrets, origins: ['http://h:1/a'], hashes: NODE_HASHES });
  assert.deepEqual([...auth.headersFor('http://h:1/b', [['Range', 'bytes=5-']])], [['authorization', 'Bearer tok'], ['range', 'bytes=5-'], ['x-a', '1']]);
  assert.deepEqual([...auth.headersFor('http://h:2/a', [['Range', 'bytes=5-']])], [['range', 'bytes=5-']], 'another port is another origin');
  assert.equal(await auth.answer(response(401, 'Basic realm="r"'), 'GET', 'http://h:1/a'), null, 'a 401 to bearer is not answered');

  await secrets.apply([{ type: 'put', guid: '{B}', slot: 'server-basic', userName: 'ann', value: 'pw' }]);
  const basic = await RequestAuth.forOrder({ http: { ...http, secretHeaders: false, credentials: [{ target: 'server', scheme: 'basic' }] }, job: '{B}', secrets, origins: ['http://h:1/a'] });
  assert.equal(basic.headersFor('http://h:1/a').has('authorization'), false, 'basic waits for a challenge');
  assert.equal(await basic.answer(response(401, 'Basic realm="r"'), 'GET', 'http://h:1/a'), 'Basic YW5uOnB3');
  assert.equal(await basic.answer(response(401, 'Digest realm="r", nonce="n"'), 'GET', 'http://h:1/a'), null);
  assert.equal(await basic.answer(response(401, 'Basic realm="r"'), 'GET', 'http://g:1/a'), null, 'never to another origin');

  // A slot the store lacks sends nothing.
  const missing = await RequestAuth.forOrder({ http, job: '{NONE}', secrets, origins: ['http://h:1/a'] });
  assert.equal(missing.protects, false);
});

test('what the JS hosts cannot honour is named; URLs are shown without userinfo', () => {
  const http = (more) => ({ securityFlags: 0, proxy: { usage: 'preconfig' }, clientCertificate: undefined, ...more });
  assert.equal(refusedSetting(http({})), null);
  assert.equal(refusedSetting(http({ securityFlags: 0x800 })), null);
  assert.match(refusedSetting(http({ proxy: { usage: 'override' } })), /proxy usage override/);
  assert.match(refusedSetting(http({ clientCertificate: { store: 'MY' } })), /client certificate/);
  assert.match(refusedSetting(http({ securityFlags: 0x4 })), /security flags 0x4/);
  assert.match(refusedSetting(http({ securityFlags: 0x200 })), /redirect policy 0x200/);
  assert.equal(refusedSetting(http({ securityFlags: 0x200 }), { redirects: false }), null, 'upload packets follow no redirect');
  assert.equal(shownUrl('http://ann:pw@h/x'), 'http://***@h/x');
});

test("parameters split into argv by CommandLineToArgvW's rules", () => {
  const cases = [
    ['', []],
    ['  ', []],
    ['sh -c "echo a b" \\"q\\" x\\\\y', ['sh', '-c', 'echo a b', '"q"', 'x\\\\y']],
    ['"a b c"  d  e', ['a b c', 'd', 'e']],
    ['"ab\\"c"  "\\\\"  d', ['ab"c', '\\', 'd']],
    ['a\\\\\\b d"e f"g h', ['a\\\\\\b', 'de fg', 'h']],
    ['a\\\\\\"b c d', ['a\\"b', 'c', 'd']],
    ['a\\\\\\\\"b c" d e', ['a\\\\b c', 'd', 'e']],
    ['"a b c""', ['a b c"']],
    ['"""CallMeIshmael"""  b  c', ['"CallMeIshmael"', 'b', 'c']],
    ['""""Call Me Ishmael"" b c', ['"Call', 'Me', 'Ishmael', 'b', 'c']],
    ['x "" y', ['x', '', 'y']],
  ];
  for (const [line, argv] of cases) assert.deepEqual(splitParameters(line), argv, line);
});
