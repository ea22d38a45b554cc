// Two tabs of one origin in Debian's Chromium: exactly one hosts the engine
// (Web Locks), the other follows it and sends it its calls, the journal has
// one writer, the queue's limit holds across tabs, and closing the hosting
// tab hands the engine over mid-download without losing a byte.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { testFileDigest } from '../test-files.js';
import { checkPrerequisites, openConsole, storedDigest, waitForState, withBrowser } from './browser.js';

const MiB = 1024 * 1024;
const LIMIT = 300;

before(checkPrerequisites);

/** Counts, per page, every write to IndexedDB (put, delete, clear): the journal's writes. */
function countJournalWrites(context) {
  return context.addInitScript(() => {
    window.journalWrites = 0;
    for (const method of ['put', 'add', 'delete', 'clear']) {
      const original = IDBObjectStore.prototype[method];
      IDBObjectStore.prototype[method] = function counted(...args) {
        window.journalWrites += 1;
        return original.apply(this, args);
      };
    }
  });
}

const role = (page) => page.evaluate(() => document.body.dataset.role);
const journalWrites = (page) => page.evaluate(() => window.journalWrites);
const bytesShown = (page) => page.evaluate(() => Number(document.getElementById('details').dataset.bytes ?? 0));

/** The engine lock as the browser sees it: how many tabs hold it and wait for it. */
const lockState = (page) =>
  page.evaluate(async () => {
    const { held, pending } = await navigator.locks.query();
    const mine = (lock) => lock.name === 'bits-queue-engine-host';
    return { held: held.filter(mine).length, pending: pending.filter(mine).length };
  });

/** How many jobs the stored journal holds (IndexedDB, read in the page). */
const storedJobs = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('bits-queue');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const count = open.result.transaction('jobs').objectStore('jobs').count();
          count.onsuccess = () => {
            open.result.close();
            resolve(count.result);
          };
        };
      }),
  );

/** Submits the create form `count` times, each after the previous one's answer is logged. */
function createThroughForm(page, prefix, count) {
  return page.evaluate(
    async ({ prefix, count }) => {
      const newest = () => document.querySelector('#log li')?.value ?? 0;
      for (let i = 1; i <= count; i += 1) {
        const before = newest();
        document.getElementById('create-name').value = `${prefix} ${i}`;
        document.getElementById('create-form').requestSubmit();
        while (newest() === before) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    { prefix, count },
  );
}

/** Selects the job `guid` in `page` (looked up by GUID: the list draws only the rows in view). */
async function selectJob(page, guid) {
  await page.fill('#lookup-guid', guid);
  await page.click('#lookup-submit');
  await page.waitForFunction((guid) => document.getElementById('details-guid').textContent === guid, guid);
}

test('two tabs: one engine host, calls from the other, one journal writer, the limit held, the file byte-exact', { timeout: 400_000 }, () =>
  withBrowser(async ({ server, context, newPage }) => {
    await countJournalWrites(context);
    const first = await newPage();
    await openConsole(first, server);
    assert.equal(await role(first), 'host');
    await first.click('[data-test-file="64MiB.bin"]');
    await first.waitForFunction((at) => Number(document.getElementById('details').dataset.bytes) >= at, 2 * MiB, { timeout: 120_000 });
    const download = await first.getAttribute('#details', 'data-guid');

    // A second tab, opened and reloaded mid-download: it follows.
    let second = await newPage();
    await openConsole(second, server);
    await second.reload();
    await second.waitForSelector('body[data-ready="true"]');
    assert.equal(await role(second), 'follower');
    assert.equal(await role(first), 'host');
    assert.deepEqual(await lockState(second), { held: 1, pending: 1 }, 'one tab holds the engine, the other waits');
    assert.match(await second.textContent('#status'), /another tab/);
    // It shows the download moving.
    await selectJob(second, download);
    const seen = await bytesShown(second);
    await second.waitForFunction((seen) => Number(document.getElementById('details').dataset.bytes) > seen, seen, { timeout: 60_000 });

    // Both create jobs at once, past the limit: the host's one queue refuses the rest.
    await Promise.all([createThroughForm(first, 'first', 160), createThroughForm(second, 'second', 160)]);
    await second.waitForFunction((limit) => document.getElementById('job-count').textContent === String(limit), LIMIT);
    // The first tab is in the background now (no animation frames): poll it on a timer.
    await first.waitForFunction((limit) => document.getElementById('job-count').textContent === String(limit), LIMIT, { polling: 100 });
    assert.equal(await storedJobs(second), LIMIT, 'the journal holds the limit, no more');
    assert.match(await second.textContent('#log'), /BG_E_TOO_MANY_JOBS_PER_USER/);

    // The follower cancels one of its jobs: the host does it, the download goes on.
    const victim = await second.$$eval('#jobs-body [role=row]', (rows) =>
      rows.find((row) => row.querySelector('.name').textContent.startsWith('second'))?.dataset.guid,
    );
    assert.ok(victim && victim !== download, `a job the second tab made: ${victim}`);
    await selectJob(second, victim);
    await second.click('#cancel-job');
    await second.click('#cancel-yes');
    await waitForState(second, 'cancelled');
    await first.waitForFunction((limit) => document.getElementById('job-count').textContent === String(limit - 1), LIMIT, { polling: 100 });
    assert.equal(await storedJobs(first), LIMIT - 1);

    await selectJob(first, download);
    await waitForState(first, 'transferred', 240_000);
    await selectJob(second, download);
    await waitForState(second, 'transferred');
    // The follower completes it; the host renames the file.
    await second.click('#complete-job');
    await waitForState(second, 'acknowledged');
    await first.waitForSelector('#stored-files a[data-path="/downloads/64MiB.bin"]');
    assert.equal(await storedDigest(first, '/downloads/64MiB.bin'), testFileDigest('64MiB.bin'));

    for (const page of [first, second]) {
      assert.doesNotMatch(await page.textContent('#log'), /E_ACCESSDENIED|createSyncAccessHandle/);
    }
    assert.ok((await journalWrites(first)) > 0, 'the host wrote the journal');
    assert.equal(await journalWrites(second), 0, 'the following tab never wrote it');
    assert.equal(await role(second), 'follower');
  }));

test('closing the hosting tab mid-download hands the engine over, and the download finishes byte-exact', { timeout: 400_000 }, () =>
  withBrowser(async ({ server, context, newPage }) => {
    await countJournalWrites(context);
    const first = await newPage();
    await openConsole(first, server);
    await first.click('[data-test-file="64MiB.bin"]');
    await first.waitForFunction((at) => Number(document.getElementById('details').dataset.bytes) >= at, 4 * MiB, { timeout: 120_000 });
    const download = await first.getAttribute('#details', 'data-guid');
    const second = await newPage();
    await openConsole(second, server);
    assert.equal(await role(second), 'follower');
    assert.equal(await journalWrites(second), 0);
    await selectJob(second, download);
    await second.waitForFunction((at) => Number(document.getElementById('details').dataset.bytes) >= at, 8 * MiB, { timeout: 120_000 });

    await first.close();
    await second.waitForFunction(() => document.body.dataset.role === 'host', null, { timeout: 30_000 });
    assert.match(await second.textContent('#status'), /in this tab/);
    await waitForState(second, 'transferred', 240_000);
    const ranged = server.state.requests.filter((request) => request.range !== null);
    assert.equal(ranged.length, 1, `the new host resumed with one Range request: ${JSON.stringify(server.state.requests)}`);
    assert.equal(ranged[0].status, 206);
    await second.click('#complete-job');
    await second.waitForSelector('#stored-files a[data-path="/downloads/64MiB.bin"]');
    assert.equal(await storedDigest(second, '/downloads/64MiB.bin'), testFileDigest('64MiB.bin'));
    assert.doesNotMatch(await second.textContent('#log'), /E_ACCESSDENIED|createSyncAccessHandle/);
  }));
