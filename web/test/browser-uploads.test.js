// Real uploads from the page, in Debian's Chromium: a file picked with the
// page's <input type=file>, copied into OPFS, uploaded over the BITS upload
// protocol to the dev server's BITS endpoint (bits-server.js, which answers
// a gap in Content-Range with 416 and an unknown session with
// BG_E_SESSION_NOT_FOUND), its bar like a download's; and a reload
// mid-upload that continues the same session from the stored offset.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { checkPrerequisites, openConsole, storedPaths, waitForState, withBrowser } from './browser.js';

const MiB = 1024 * 1024;
/** The page's fragment size (the default, contract §14.3). */
const FRAGMENT = 4 * MiB;

before(checkPrerequisites);

/** Picks `bytes` as `name` in the page's upload form and submits it. */
async function pickAndUpload(page, name, bytes) {
  await page.setInputFiles('#upload-file', { name, mimeType: 'application/octet-stream', buffer: bytes });
  await page.click('#upload-submit');
  await page.waitForSelector('#details:not([hidden])');
}

const fragmentStarts = (bits, path) =>
  bits.log.filter((p) => p.path === path && p.packetType === 'Fragment').map((p) => [Number(/^bytes (\d+)-/.exec(p.range)[1]), p.status]);

test('a picked file uploads to the dev server\'s BITS endpoint byte-exact, with its bar', { timeout: 180_000 }, () =>
  withBrowser(async ({ server, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    const bytes = randomBytes(2 * FRAGMENT + 12345);
    await pickAndUpload(page, 'crash report.dmp', bytes);
    await waitForState(page, 'transferred');
    assert.deepEqual(server.bits.file('/uploads/crash%20report.dmp'), bytes);
    assert.match(await page.textContent('#details-progress'), /^8\.0 MiB of 8\.0 MiB \(100%\) · 1 of 1 files/);
    assert.equal(await page.getAttribute('#details-bar', 'value'), '1');
    assert.deepEqual(fragmentStarts(server.bits, '/uploads/crash%20report.dmp'), [[0, 200], [FRAGMENT, 200], [2 * FRAGMENT, 200]]);
    // The page read its own copy of the picked file, named after the job.
    const guid = await page.getAttribute('#details', 'data-guid');
    assert.deepEqual(await storedPaths(page), [`/uploads/${guid}/crash report.dmp`]);
    assert.equal(await page.locator('#stored-files a').count(), 0, 'the copy is not listed as a download');
    await page.click('#complete-job');
    await waitForState(page, 'acknowledged');
    // The job left the queue: its copy is deleted.
    while ((await storedPaths(page)).length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }));

test('a reload mid-upload continues the same session from the stored offset', { timeout: 240_000 }, () =>
  withBrowser(async ({ server, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    const bytes = randomBytes(2 * FRAGMENT + 777);
    // Create-Session and the first Fragment are answered; the second is never answered.
    server.bits.fault('pass', 'pass', 'hold');
    await pickAndUpload(page, 'reloaded.bin', bytes);
    await page.waitForFunction((at) => Number(document.getElementById('details').dataset.bytes) >= at, FRAGMENT, { timeout: 120_000 });
    const guid = await page.getAttribute('#details', 'data-guid');
    const path = '/uploads/reloaded.bin';
    while (!fragmentStarts(server.bits, path).some(([, status]) => status === 0)) await new Promise((resolve) => setTimeout(resolve, 20));
    // The bar moved as the server acknowledged, like a download's.
    assert.match(await page.textContent('#details-progress'), /^4\.0 MiB of 8\.0 MiB \(49%\)/);

    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await page.click(`#jobs-body [data-guid="${guid}"]`);
    await waitForState(page, 'transferred');
    assert.deepEqual(server.bits.file(path), bytes);
    const packets = server.bits.log.filter((p) => p.path === path);
    assert.equal(packets.filter((p) => p.packetType === 'Create-Session').length, 1, 'the session was kept across the reload');
    assert.equal(new Set(packets.filter((p) => p.session !== null).map((p) => p.session)).size, 1);
    assert.deepEqual(fragmentStarts(server.bits, path), [[0, 200], [FRAGMENT, 0], [FRAGMENT, 200], [2 * FRAGMENT, 200]]);
  }));
