// What was seen when the console was tried as a person would, each checked
// in Debian's Chromium: long queues, long names, narrow windows, bad names,
// the activity log's numbers, and a component that fails to load.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { checkPrerequisites, createThroughForm, openConsole, storedPaths, withBrowser } from './browser.js';

before(checkPrerequisites);

/** Whether the element is at least partly inside the viewport. */
const onScreen = (page, selector) =>
  page.$eval(selector, (element) => {
    const box = element.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight && box.height > 0;
  });

const pageWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth);

/** How far the jobs table's box sticks out of its card on the right (≤ 0: it does not). */
const tableOverhang = (page) =>
  page.evaluate(() => {
    const card = document.getElementById('jobs-body').closest('.card').getBoundingClientRect();
    const scroller = document.getElementById('jobs-scroll').getBoundingClientRect();
    return scroller.right - card.right;
  });

test('with 300 jobs, selecting the last row shows its details on screen', { timeout: 300_000 }, () =>
  withBrowser(async (browser) => {
    const page = await browser.newPage();
    await openConsole(page, browser.server);
    await createThroughForm(page, Array.from({ length: 300 }, (_, i) => `job ${i + 1}`));
    assert.equal(await page.textContent('#job-count'), '300');
    // The list draws only the rows in view: scroll to its end, then click the last.
    await page.$eval('#jobs-scroll', (scroller) => (scroller.scrollTop = scroller.scrollHeight));
    const last = page.locator('#jobs-body [aria-rowindex="301"]');
    await last.click();
    assert.ok((await page.locator('#jobs-body [role=row]').count()) < 60, 'only the rows in view are drawn');
    await page.waitForFunction(() => document.getElementById('details-name').textContent === 'job 300');
    assert.equal(await onScreen(page, '#details-name'), true, 'the details are in view');
    assert.ok((await page.evaluate(() => document.documentElement.scrollHeight)) < 5000, 'the page is not 10,000 px tall');
  }));

test('a 256-character name without spaces stays inside its card, at 1280 and at 420 px', { timeout: 120_000 }, () =>
  withBrowser(async (browser) => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await openConsole(page, browser.server);
    const name = 'N'.repeat(256);
    await createThroughForm(page, [name]);
    assert.equal(await page.textContent('#jobs-body [role=row]:last-child .name'), name);
    assert.ok((await pageWidth(page)) <= 1280, `page width ${await pageWidth(page)} at 1280`);
    assert.ok((await tableOverhang(page)) <= 0.5, 'the table stays in its card');
    // The name is cut to one line: the row keeps its height, the full name is its title.
    const { height, title } = await page.$eval('#jobs-body [role=row]:last-child', (row) => ({
      height: row.getBoundingClientRect().height,
      title: row.querySelector('.name').title,
    }));
    assert.ok(height <= 60, `the row is ${height} px tall`);
    assert.equal(title, name);

    await page.setViewportSize({ width: 420, height: 900 });
    assert.ok((await pageWidth(page)) <= 420, `page width ${await pageWidth(page)} at 420`);
    assert.ok((await tableOverhang(page)) <= 0.5, 'the table stays in its card at 420 px');
  }));

test('a name stops at 256 characters, saying so; a blank name is refused, changing nothing', { timeout: 120_000 }, () =>
  withBrowser(async (browser) => {
    const page = await browser.newPage();
    await openConsole(page, browser.server);
    const jobsBefore = await page.textContent('#job-count');
    await page.fill('#create-name', 'x'.repeat(300));
    assert.equal((await page.inputValue('#create-name')).length, 256, 'the input stops at 256');
    assert.match(await page.textContent('#create-name-hint'), /at most 256 characters · 256\/256/);

    for (const blank of ['', '   ', '\t ']) {
      await page.fill('#create-name', blank);
      await page.click('#create-submit');
      await page.waitForSelector('#error', { state: 'visible' });
      assert.match(await page.textContent('#error-text'), /a display name is required/);
      assert.equal(await page.textContent('#job-count'), jobsBefore, 'nothing was created');
      await page.click('#error-dismiss');
    }
  }));

test('activity entries keep their numbers as the log scrolls', { timeout: 120_000 }, () =>
  withBrowser(async (browser) => {
    const page = await browser.newPage();
    await openConsole(page, browser.server);
    await createThroughForm(page, Array.from({ length: 15 }, (_, i) => `logged ${i + 1}`));
    const entries = await page.$$eval('#log li', (items) => items.map((item) => ({ value: item.value, text: item.textContent })));
    const numbers = entries.map((entry) => entry.value);
    assert.equal(numbers.length, 12, 'the last 12 are kept');
    assert.deepEqual(numbers, Array.from({ length: 12 }, (_, i) => 15 - i), `newest is 15, oldest kept is 4: ${JSON.stringify(entries)}`);
  }));

test('when the component fails to load, nothing can be submitted', { timeout: 120_000 }, () =>
  withBrowser(async (browser) => {
    const page = await browser.newPage();
    await page.route('**/generated/bits-queue.js', (route) => route.fulfill({ status: 404, body: 'missing' }));
    await page.goto(browser.server.url);
    await page.waitForFunction(() => document.getElementById('status').className.includes('status-failed'));
    assert.match(await page.textContent('#status'), /Could not load the component/);
    await page.evaluate(() => (window.stillHere = true));
    assert.equal(await page.isDisabled('#create-submit'), true);
    assert.equal(await page.isDisabled('#create-name'), true);
    await page.click('#create-submit', { force: true });
    await page.click('#lookup-submit', { force: true });
    assert.equal(await page.evaluate(() => window.stillHere), true, 'the page did not reload');
  }, { allowed: /status of 404|Failed to fetch dynamically imported module|bits-queue\.js/ }));

/** Each listed row's cells as the visitor sees them: shown (a box inside the row) or not. */
const rowCells = (page) =>
  page.$eval('#jobs-body [role=row]:last-child', (row) => {
    const box = row.getBoundingClientRect();
    const shown = (selector) => {
      const cell = row.querySelector(selector).getBoundingClientRect();
      return cell.width > 20 && cell.height > 0 && cell.left >= box.left - 0.5 && cell.right <= box.right + 0.5;
    };
    return { height: box.height, name: shown('.name'), state: shown('.state'), progress: shown('.bar'), guid: shown('.guid') };
  });

test('at 768 and 320 px a row shows name, state, progress and GUID in one short row; nothing is clipped or scrolls sideways', { timeout: 120_000 }, () =>
  withBrowser(async (browser) => {
    const page = await browser.newPage();
    await openConsole(page, browser.server);
    await createThroughForm(page, ['N'.repeat(256)]);
    await page.fill('#lookup-guid', 'not-a-guid');
    await page.click('#lookup-submit');
    await page.waitForSelector('#error', { state: 'visible' });
    for (const width of [768, 320]) {
      await page.setViewportSize({ width, height: 900 });
      assert.deepEqual(await rowCells(page), { height: 58, name: true, state: true, progress: true, guid: true }, `at ${width} px`);
      assert.ok((await pageWidth(page)) <= width, `page width ${await pageWidth(page)} at ${width}`);
      const status = await page.$eval('#status', (element) => ({
        clipped: element.scrollWidth > element.clientWidth,
        right: element.getBoundingClientRect().right,
      }));
      assert.equal(status.clipped, false, `the status is not clipped at ${width} px`);
      assert.ok(status.right <= width, `the status ends at ${status.right} px at ${width} px`);
      const banner = await page.$eval('#error', (element) => element.getBoundingClientRect().height);
      assert.ok(banner < 150, `the error banner is ${banner} px tall at ${width} px`);
    }
  }));

test('small things: disabled controls look disabled, the add-file example names this server, a saved file can be deleted, the error banner stays in view', { timeout: 180_000 }, () =>
  withBrowser(async (browser) => {
    const page = await browser.newPage();
    await openConsole(page, browser.server);
    assert.equal(await page.getAttribute('#file-remote', 'placeholder'), new URL('files/1MiB.bin', browser.server.url).href);
    await page.click('[data-test-file="1MiB.bin"]');
    await page.waitForFunction(() => document.getElementById('details-state').textContent === 'transferred');
    const enabled = await page.$eval('#details-retry-delay', (input) => getComputedStyle(input).backgroundColor);
    await page.click('#complete-job');
    await page.waitForSelector('#stored-files a[data-path="/downloads/1MiB.bin"]');
    await page.waitForFunction(() => document.getElementById('details-retry-delay').disabled);
    const disabled = await page.$eval('#details-retry-delay', (input) => getComputedStyle(input).backgroundColor);
    assert.notEqual(disabled, enabled, 'a disabled input does not look like an enabled one');

    // Deleting a saved file asks by a second press, then it is gone from the list and from OPFS.
    await page.click('#stored-files [data-deletes="/downloads/1MiB.bin"]');
    assert.match(await page.textContent('#stored-files'), /Press again to delete/);
    assert.equal(await page.locator('#stored-files a').count(), 1, 'one press deletes nothing');
    await page.click('#stored-files [data-deletes="/downloads/1MiB.bin"]');
    await page.waitForSelector('#stored-empty', { state: 'visible' });
    assert.deepEqual(await storedPaths(page), []);

    // A refusal far down the page: the banner is on screen.
    await page.fill('#create-name', 'far down');
    await page.click('#create-submit');
    await page.waitForFunction(() => document.getElementById('details-name').textContent === 'far down');
    await page.fill('#details-retry-delay', 'soon');
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.click('#retry-form button');
    await page.waitForSelector('#error', { state: 'visible' });
    assert.ok((await page.evaluate(() => window.scrollY)) > 100, 'the page is scrolled');
    assert.equal(await onScreen(page, '#error'), true, 'the banner is in view');
  }));

test('during a download only the downloading job\'s row is redrawn, whatever else is listed', { timeout: 180_000 }, () =>
  withBrowser(async (browser) => {
    const page = await browser.newPage();
    await openConsole(page, browser.server);
    await createThroughForm(page, Array.from({ length: 40 }, (_, i) => `still ${i + 1}`));
    await page.click('[data-test-file="64MiB.bin"]');
    await page.waitForFunction(() => Number(document.getElementById('details').dataset.bytes) > 0, null, { timeout: 120_000 });
    const download = await page.getAttribute('#details', 'data-guid');
    // The last rows in view, the download's among them.
    await page.$eval('#jobs-scroll', (scroller) => (scroller.scrollTop = scroller.scrollHeight));
    await page.waitForSelector(`#jobs-body [data-guid="${download}"]`);
    const touched = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const rows = new Map();
          const observer = new MutationObserver((records) => {
            for (const record of records) {
              const node = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
              const guid = node.closest('[role=row]')?.dataset.guid ?? '(the list itself)';
              rows.set(guid, (rows.get(guid) ?? 0) + 1);
            }
          });
          observer.observe(document.getElementById('jobs-body'), { subtree: true, childList: true, attributes: true, characterData: true });
          setTimeout(() => {
            observer.disconnect();
            resolve(Object.fromEntries(rows));
          }, 3000);
        }),
    );
    assert.deepEqual(Object.keys(touched), [download], `rows redrawn while one job downloads: ${JSON.stringify(touched)}`);
  }));
