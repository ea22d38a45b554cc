// Real downloads in the page, in Debian's Chromium: from the dev server into
// OPFS, resumed after a dropped connection and after a reload, a 404, and a
// cancel that leaves no temporary file. Screenshots go to test-artifacts/.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { testFileDigest } from '../test-files.js';
import { ARTIFACTS, checkPrerequisites, openConsole, storedDigest, storedPaths, waitForState, withBrowser } from './browser.js';

const MiB = 1024 * 1024;
const TEMPORARY = /\/BIT[0-9A-F]{8}\.tmp$/;

before(checkPrerequisites);

const bytesShown = (page) => page.evaluate(() => Number(document.getElementById('details').dataset.bytes ?? 0));

test('a download from the dev server completes into OPFS and its bytes match', { timeout: 180_000 }, () =>
  withBrowser(async ({ server, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    await page.click('[data-test-file="1MiB.bin"]');
    await waitForState(page, 'transferred');
    assert.match(await page.textContent('#details-progress'), /^1\.0 MiB of 1\.0 MiB \(100%\)/);
    assert.match(await page.textContent('#log'), /notify transferred: "1MiB\.bin"/);
    const paths = await storedPaths(page);
    assert.equal(paths.filter((path) => TEMPORARY.test(path)).length, 1, `one temporary file before complete: ${paths}`);

    await page.click('#complete-job');
    await waitForState(page, 'acknowledged');
    await page.waitForSelector('#stored-files a[data-path="/downloads/1MiB.bin"]');
    assert.equal(await page.getAttribute('#stored-files a', 'download'), '1MiB.bin');
    assert.match(await page.getAttribute('#stored-files a', 'href'), /^blob:/);
    assert.deepEqual(await storedPaths(page), ['/downloads/1MiB.bin'], 'the commit renamed the temporary file');
    assert.equal(await storedDigest(page, '/downloads/1MiB.bin'), testFileDigest('1MiB.bin'));
    assert.deepEqual(
      server.state.requests.map(({ range, status }) => ({ range, status })),
      [{ range: null, status: 200 }],
    );
  }));

test('a connection dropped halfway resumes with a Range request', { timeout: 180_000 }, () =>
  withBrowser(async ({ server, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    await page.check('#drop-next');
    await page.waitForFunction(() => document.getElementById('log').textContent.includes('will be dropped halfway'));
    assert.equal(server.state.dropNext, true, 'the switch reached the server');
    await page.click('[data-test-file="1MiB.bin"]');
    // The drop is a transient error: the job retries after 5 s and resumes.
    await waitForState(page, 'transferred');
    const [first, ...rest] = server.state.requests;
    assert.equal(first.dropped, true, 'the first request was dropped halfway');
    const resumed = rest.find((request) => request.range !== null);
    assert.ok(resumed, `a Range request followed: ${JSON.stringify(server.state.requests)}`);
    assert.match(resumed.range, /^bytes=[1-9]\d*-$/);
    assert.equal(resumed.status, 206);
    await page.click('#complete-job');
    await page.waitForSelector('#stored-files a[data-path="/downloads/1MiB.bin"]');
    assert.equal(await storedDigest(page, '/downloads/1MiB.bin'), testFileDigest('1MiB.bin'));
    // Chromium logs the dropped connection itself.
  }, { allowed: /ERR_CONTENT_LENGTH_MISMATCH/ }));

test('a reload mid-download resumes from the stored offset', { timeout: 300_000 }, () =>
  withBrowser(async ({ server, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    await page.click('[data-test-file="64MiB.bin"]');
    await page.waitForFunction((at) => Number(document.getElementById('details').dataset.bytes) >= at, 8 * MiB, { timeout: 120_000 });
    const guid = await page.getAttribute('#details', 'data-guid');
    // The bar's text: bytes, share, rate and time left.
    await page.waitForFunction(() => / of 64 MiB \(\d+%\) · 0 of 1 files · [\d.]+ MiB\/s · .+ left$/.test(document.getElementById('details-progress').textContent));
    assert.equal(await page.textContent('#details-completed'), '—', 'no transfer time yet');
    await page.screenshot({ path: join(ARTIFACTS, 'console-downloading.png'), fullPage: true });
    // Let the journal catch up with what the page showed, then reload.
    const seen = await bytesShown(page);
    await page.waitForTimeout(1000);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');

    // The queue came back from IndexedDB; select the job and watch it finish.
    await page.click(`#jobs-body [data-guid="${guid}"]`);
    await waitForState(page, 'transferred', 240_000);
    assert.notEqual(await page.textContent('#details-completed'), '—', 'the transfer time is shown');
    const ranged = server.state.requests.filter((request) => request.range !== null);
    assert.equal(ranged.length, 1, `one Range request after the reload: ${JSON.stringify(server.state.requests)}`);
    const offset = Number(/^bytes=(\d+)-$/.exec(ranged[0].range)[1]);
    assert.ok(offset >= seen, `resumed at ${offset}, at or after the ${seen} bytes shown before the reload`);
    assert.equal(ranged[0].status, 206);
    await page.click('#complete-job');
    await page.waitForSelector('#stored-files a[data-path="/downloads/64MiB.bin"]');
    assert.equal(await storedDigest(page, '/downloads/64MiB.bin'), testFileDigest('64MiB.bin'));
  }));

test('a 404 ends in error with 0x80190194 shown', { timeout: 180_000 }, () =>
  withBrowser(async ({ server, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    await page.fill('#create-name', 'A file the server lacks');
    await page.click('#create-submit');
    await page.waitForSelector('#details:not([hidden])');
    await page.fill('#file-remote', new URL('files/missing.bin', server.url).href);
    await page.fill('#file-local', '/downloads/missing.bin');
    await page.click('#file-form button');
    await page.waitForFunction(() => document.querySelectorAll('#files-body tr').length === 1);
    await page.click('[data-action="resume"]');
    await waitForState(page, 'error');
    assert.equal(await page.textContent('#details-error-name'), 'HTTP 404');
    assert.equal(await page.textContent('#details-error-hresult'), '0x80190194');
    assert.equal(await page.textContent('#details-error-context'), 'context: remote-file (file 0)');
    assert.equal(await page.textContent('#details-error-text'), 'the server answered HTTP 404');
    assert.match(await page.textContent('#log'), /notify error: "A file the server lacks"/);
    await page.screenshot({ path: join(ARTIFACTS, 'console-error.png'), fullPage: true });
  }, { allowed: /the server responded with a status of 404/ }));

test('cancel asks first, then leaves no temporary file in OPFS', { timeout: 180_000 }, () =>
  withBrowser(async ({ server, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    await page.click('[data-test-file="64MiB.bin"]');
    await page.waitForFunction((at) => Number(document.getElementById('details').dataset.bytes) >= at, MiB, { timeout: 120_000 });
    const before = await storedPaths(page);
    assert.equal(before.filter((path) => TEMPORARY.test(path)).length, 1, `a temporary file while downloading: ${before}`);

    await page.click('#cancel-job');
    assert.equal(await page.isVisible('#cancel-confirm'), true, 'cancelling asks first');
    await page.click('#cancel-no');
    assert.equal(await page.isVisible('#cancel-confirm'), false);
    assert.notEqual(await page.textContent('#details-state'), 'cancelled', 'keeping the job changes nothing');

    await page.click('#cancel-job');
    await page.click('#cancel-yes');
    await waitForState(page, 'cancelled');
    await page.waitForFunction(() => document.querySelectorAll('#jobs-body [role=row]').length === 0);
    assert.deepEqual((await storedPaths(page)).filter((path) => TEMPORARY.test(path)), [], 'the discard deleted it');
  }));

test('complete mid-download asks first, naming the file it would lose; yes deletes it and says so', { timeout: 180_000 }, () =>
  withBrowser(async ({ server, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    await page.click('[data-test-file="64MiB.bin"]');
    await page.waitForFunction((at) => Number(document.getElementById('details').dataset.bytes) >= at, MiB, { timeout: 120_000 });

    await page.click('#complete-job');
    assert.equal(await page.isVisible('#complete-confirm'), true, 'completing mid-download asks first');
    assert.match(await page.textContent('#complete-lost'), /^\/downloads\/64MiB\.bin \([\d.]+ MiB of 64 MiB arrived\)$/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'complete-no', 'the safe answer has the focus');
    await page.click('#complete-no');
    assert.equal(await page.isVisible('#complete-confirm'), false);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'complete-job', 'the focus went back');
    assert.notEqual(await page.textContent('#details-state'), 'acknowledged', 'keeping it changes nothing');

    await page.click('#complete-job');
    await page.click('#complete-yes');
    await waitForState(page, 'acknowledged');
    assert.match(await page.textContent('#log li:first-child'), /BG_S_PARTIAL_COMPLETE, 1 file\(s\) not delivered.*\/downloads\/64MiB\.bin/);
    const paths = await storedPaths(page);
    assert.deepEqual(paths.filter((path) => TEMPORARY.test(path) || path === '/downloads/64MiB.bin'), [], `nothing left: ${paths}`);
  }));

test('offline, a download waits to retry (saying when); back online it retries at once, not after 600 s', { timeout: 180_000 }, () =>
  withBrowser(async ({ server, context, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    // A job made with the form's defaults: a minimum retry delay of 600 s.
    await page.fill('#create-name', 'Offline download');
    await page.click('#create-submit');
    await page.waitForSelector('#details:not([hidden])');
    assert.equal(await page.inputValue('#details-retry-delay'), '600');
    await page.fill('#file-remote', new URL('files/1MiB.bin', server.url).href);
    await page.fill('#file-local', '/downloads/offline.bin');
    await page.click('#file-form button');
    await page.waitForFunction(() => document.querySelectorAll('#files-body tr').length === 1);
    await context.setOffline(true);
    await page.click('[data-action="resume"]');
    await waitForState(page, 'transient-error');
    assert.match(await page.textContent('#details-retry'), /^next retry in (9|10) min \d+ s, or as soon as the network is back \(this browser is offline\)$/);

    await context.setOffline(false);
    // The retry timer is 10 minutes away: only the online event can finish this in time.
    await waitForState(page, 'transferred', 60_000);
    assert.match(await page.textContent('#log'), /back online: retrying \{[0-9A-F-]+\} now/);
    await page.click('#complete-job');
    await page.waitForSelector('#stored-files a[data-path="/downloads/offline.bin"]');
    assert.equal(await storedDigest(page, '/downloads/offline.bin'), testFileDigest('1MiB.bin'));
  }, { allowed: /ERR_INTERNET_DISCONNECTED/ }));
