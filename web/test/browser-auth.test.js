// Credentials and custom headers in the page, in Debian's Chromium (contract
// §15.1–§15.2): set through the job's forms, sent to the dev server's
// /protected/ files, which demand them; secrets kept in the page's
// encrypted store, so none is in IndexedDB (any database, any record) or in
// the profile's files in clear, and none in the activity log; a write-only
// header still sent after a reload; a redirect to another origin carrying
// none of it.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { testFileDigest } from '../test-files.js';
import { checkPrerequisites, openConsole, storedDigest, waitForState, withBrowser } from './browser.js';

const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
const KEY = `key-${randomBytes(12).toString('hex')}`;

before(checkPrerequisites);

/** Creates a download job through the page's form and waits until it is selected. */
async function createJob(page, name) {
  await page.fill('#create-name', name);
  await page.click('#create-form button[type=submit]');
  await page.waitForFunction((name) => document.getElementById('details-name')?.textContent === name, name);
}

async function addFileAndResume(page, remote, local) {
  await page.fill('#file-remote', remote);
  await page.fill('#file-local', local);
  await page.click('#file-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#files-body tr').length > 0);
  await page.click('[data-action="resume"]');
}

/** Every record of every IndexedDB database of the page, as text: strings as they are, bytes as Latin-1 and as UTF-16. */
function indexedDbText(page) {
  return page.evaluate(async () => {
    const parts = [];
    const walk = (value) => {
      if (value === null || value === undefined) return;
      if (typeof value === 'string') parts.push(value);
      else if (typeof value !== 'object') parts.push(String(value));
      else if (value instanceof CryptoKey) parts.push(`[CryptoKey extractable=${value.extractable}]`);
      else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
        const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        parts.push(String.fromCharCode(...bytes));
        parts.push(new TextDecoder('utf-16le').decode(bytes.subarray(0, bytes.length - (bytes.length % 2))));
      } else for (const [key, field] of Object.entries(value)) {
        parts.push(key);
        walk(field);
      }
    };
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const store of db.objectStoreNames) {
        const tx = db.transaction(store, 'readonly');
        const [keys, values] = await Promise.all(
          ['getAllKeys', 'getAll'].map((op) => new Promise((resolve, reject) => {
            const req = tx.objectStore(store)[op]();
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          })),
        );
        keys.forEach(walk);
        values.forEach(walk);
      }
      db.close();
    }
    return parts.join('\n');
  });
}

/** The secrets found in any file of the Chromium profile, as UTF-8 or UTF-16. */
async function secretsOnDisk(root, secrets) {
  const found = new Set();
  const walk = async (path) => {
    for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const bytes = await readFile(full).catch(() => null);
        if (!bytes) continue;
        for (const secret of secrets) {
          if (bytes.includes(Buffer.from(secret, 'utf8')) || bytes.includes(Buffer.from(secret, 'utf16le'))) found.add(secret);
        }
      }
    }
  };
  await walk(root);
  return [...found];
}

test('basic credentials and a write-only header set in the page reach the server, and no secret is stored in clear', { timeout: 240_000 }, () =>
  withBrowser(async ({ server, newPage, userDataDir }) => {
    const page = await newPage();
    await openConsole(page, server);
    server.state.auth = { basic: `ann:${PASSWORD}` };
    await createJob(page, 'with basic');
    await page.selectOption('#credentials-scheme', 'basic');
    await page.fill('#credentials-user', 'ann');
    await page.fill('#credentials-secret', PASSWORD);
    await page.click('#credentials-form button[type=submit]');
    await page.waitForFunction(() => /set server basic credentials/.test(document.getElementById('log').textContent));
    assert.equal(await page.inputValue('#credentials-secret'), '', 'the password field is emptied');
    await addFileAndResume(page, new URL('/protected/1MiB.bin', server.url).href, '/downloads/basic.bin');
    await waitForState(page, 'transferred');
    const asked = server.state.seen.map((request) => request.headers.authorization);
    assert.deepEqual(asked, [undefined, `Basic ${Buffer.from(`ann:${PASSWORD}`).toString('base64')}`], 'basic answered the challenge, once');
    await page.click('#complete-job');
    await waitForState(page, 'acknowledged');
    assert.equal(await storedDigest(page, '/downloads/basic.bin'), testFileDigest('1MiB.bin'));

    // A write-only header, kept across a reload (encrypted in IndexedDB), then sent.
    server.state.auth = { header: ['X-Api-Key', KEY] };
    server.state.seen.length = 0;
    await createJob(page, 'with a header');
    const guid = await page.getAttribute('#details', 'data-guid');
    await page.fill('#header-line', `X-Api-Key: ${KEY}`);
    await page.check('#header-write-only');
    await page.click('#header-form button[type=submit]');
    await page.waitForFunction(() => /set custom header X-Api-Key \(write-only\)/.test(document.getElementById('log').textContent));
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await page.click(`#jobs-body [data-guid="${guid}"]`);
    await addFileAndResume(page, new URL('/protected/1MiB.bin', server.url).href, '/downloads/header.bin');
    await waitForState(page, 'transferred');
    assert.deepEqual(server.state.seen.map((request) => request.headers['x-api-key']), [KEY]);

    // Nothing secret in any database, record or profile file, nor in the page's text.
    const stored = await indexedDbText(page);
    assert.match(stored, /\[CryptoKey extractable=false\]/, 'the store keeps its non-extractable key');
    for (const secret of [PASSWORD, KEY]) assert.ok(!stored.includes(secret), `${secret.slice(0, 3)}… is in IndexedDB in clear`);
    assert.ok(!(await page.textContent('body')).includes(PASSWORD));
    assert.ok(!(await page.textContent('body')).includes(KEY));
    await page.close();
    assert.deepEqual(await secretsOnDisk(userDataDir, [PASSWORD, KEY]), [], 'no secret in the profile\'s files');
  }, { allowed: /status of 401/ }));

test('a redirect to another origin carries neither the bearer token nor the custom headers', { timeout: 180_000 }, () =>
  withBrowser(async ({ server, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    const body = randomBytes(50_000);
    server.bits.reply('/landing.bin', body);
    const at = server.bits.log.length;
    await createJob(page, 'redirected');
    await page.fill('#credentials-secret', TOKEN);
    await page.click('#credentials-form button[type=submit]');
    await page.fill('#header-line', `X-Api-Key: ${KEY}`);
    await page.click('#header-form button[type=submit]');
    await page.waitForFunction(() => /set custom header X-Api-Key/.test(document.getElementById('log').textContent));
    const target = server.bits.url('/landing.bin');
    await addFileAndResume(page, new URL(`/redirect?to=${encodeURIComponent(target)}`, server.url).href, '/downloads/landing.bin');
    await waitForState(page, 'transferred');
    const landed = server.bits.log.slice(at).filter((entry) => entry.path === '/landing.bin' && entry.packetType === 'GET');
    assert.ok(landed.length > 0, 'the other origin was asked');
    for (const entry of landed) {
      assert.equal(entry.headers.authorization, undefined, 'no bearer token to another origin');
      assert.equal(entry.headers['x-api-key'], undefined, 'no custom header to another origin');
    }
    await page.click('#complete-job');
    await waitForState(page, 'acknowledged');
  }));
