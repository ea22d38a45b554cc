// The console page in Debian's Chromium, driven by playwright-core (which
// never downloads a browser of its own), against server.js on 127.0.0.1.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ARTIFACTS, checkPrerequisites, openBrowser } from './browser.js';

const SCREENSHOT = join(ARTIFACTS, 'console.png');
const REGISTRY_FORM = /^\{[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}\}$/;
const UNISSUED = '{0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F0}';

let browser;

before(async () => {
  await checkPrerequisites();
  browser = await openBrowser();
});

after(() => browser?.close());

test('the console creates, lists, looks up and cancels jobs in Chromium', { timeout: 120_000 }, async () => {
  const { server, errors: pageErrors } = browser;
  const page = await browser.newPage();
  // Count the calls the preview2 shim makes for the component's randomness.
  await page.addInitScript(() => {
    const original = crypto.getRandomValues.bind(crypto);
    window.randomCalls = 0;
    crypto.getRandomValues = (array) => {
      window.randomCalls += 1;
      return original(array);
    };
  });

  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]');
  assert.match(await page.textContent('#status'), /Ready/);
  const rows = page.locator('#jobs-body [role=row]');
  assert.equal(await rows.count(), 0);

  // Create two jobs.
  const create = async (name, type) => {
    await page.fill('#create-name', name);
    await page.selectOption('#create-type', type);
    await page.click('#create-submit');
  };
  await create('Nightly backup', 'download');
  await create('Firmware upload', 'upload');
  await page.waitForFunction(() => document.querySelectorAll('#jobs-body [role=row]').length === 2);
  assert.ok((await page.evaluate(() => window.randomCalls)) > 0, 'GUIDs drew on crypto.getRandomValues');

  // Listed in creation order with registry-form GUIDs.
  const listed = await rows.evaluateAll((trs) =>
    trs.map((tr) => ({ guid: tr.dataset.guid, cells: [...tr.querySelectorAll('[role=gridcell]')].map((td) => td.textContent) })),
  );
  const [backup, firmware] = listed;
  for (const row of listed) {
    assert.match(row.guid, REGISTRY_FORM);
    assert.equal(row.cells[0], row.guid, 'the GUID column shows the registry form');
  }
  assert.notEqual(backup.guid, firmware.guid);
  // Name, type, state, progress (a bar, no text), priority, files.
  assert.deepEqual(backup.cells.slice(1), ['Nightly backup', 'download', 'suspended', '', 'normal', '0']);
  assert.deepEqual(firmware.cells.slice(1), ['Firmware upload', 'upload', 'suspended', '', 'normal', '0']);
  assert.equal(await page.textContent('#job-count'), '2');

  // Select the backup job from the table and give it a file and a description.
  await rows.first().click();
  await page.waitForFunction((guid) => document.getElementById('details-guid').textContent === guid, backup.guid);
  await page.fill('#file-remote', 'https://example.com/backup/2026-11-23.tar');
  await page.fill('#file-local', 'C:\\Backups\\2026-11-23.tar');
  await page.click('#file-form button');
  await page.waitForFunction(() => document.querySelectorAll('#files-body tr').length === 1);
  await page.fill('#details-description', 'Weekly full backup of the build server');
  await page.click('#description-form button');
  await page.selectOption('#details-priority', 'high');
  await page.click('#priority-form button');
  await page.waitForFunction(() => document.querySelector('#jobs-body [role=row]')?.querySelectorAll('[role=gridcell]')[5].textContent === 'high');
  assert.equal(await rows.first().locator('[role=gridcell]').nth(6).textContent(), '1', 'file count in the table');

  // Retry settings: bad input is refused and changes nothing; good input is set.
  await page.fill('#details-retry-delay', '30');
  await page.fill('#details-no-progress', 'soon');
  await page.click('#retry-form button');
  await page.waitForSelector('#error', { state: 'visible' });
  assert.match(await page.textContent('#error-text'), /whole number of seconds/);
  await page.fill('#details-no-progress', '3600');
  await page.click('#retry-form button');
  await page.waitForSelector('#error', { state: 'hidden' });
  // Notify flags: modification (0x8) on, so the next change is announced in the log.
  await page.check('#notify-form input[value="8"]');
  await page.click('#notify-form button');
  await page.waitForFunction(() => document.getElementById('log').textContent.includes('notify modification: "Nightly backup"'));
  // Read back from the job (the inputs are redrawn from it when another job is selected and back).
  await page.click('#jobs-body [role=row]:nth-child(2)');
  await page.waitForFunction((guid) => document.getElementById('details-guid').textContent !== guid, backup.guid);
  await rows.first().click();
  await page.waitForFunction((guid) => document.getElementById('details-guid').textContent === guid, backup.guid);
  assert.equal(await page.inputValue('#details-retry-delay'), '30');
  assert.equal(await page.inputValue('#details-no-progress'), '3600');
  assert.equal(await page.isChecked('#notify-form input[value="8"]'), true);
  assert.equal(await page.isChecked('#notify-form input[value="1"]'), true, 'the default transferred flag stays');
  assert.notEqual(await page.textContent('#details-created'), '—');

  // Look the firmware job up by its GUID, typed without braces in lower case.
  await page.fill('#lookup-guid', firmware.guid.slice(1, -1).toLowerCase());
  await page.click('#lookup-submit');
  await page.waitForFunction((guid) => document.getElementById('details-guid').textContent === guid, firmware.guid);
  assert.equal(await page.textContent('#details-name'), 'Firmware upload');
  assert.equal(await page.getAttribute(`#jobs-body [data-guid="${firmware.guid}"]`, 'aria-selected'), 'true');

  // Cancel it (the page asks first): it leaves the list, and its handle shows the final state.
  await page.click('#cancel-job');
  await page.click('#cancel-yes');
  await page.waitForFunction(() => document.querySelectorAll('#jobs-body [role=row]').length === 1);
  assert.equal(await rows.first().getAttribute('data-guid'), backup.guid);
  assert.equal(await page.locator(`#jobs-body [data-guid="${firmware.guid}"]`).count(), 0);
  assert.equal(await page.textContent('#details-state'), 'cancelled');
  assert.equal(await page.isVisible('#details-final'), true);

  // Look the backup job up by its GUID as listed.
  await page.fill('#lookup-guid', backup.guid);
  await page.click('#lookup-submit');
  await page.waitForFunction((guid) => document.getElementById('details-guid').textContent === guid, backup.guid);
  assert.equal(await page.textContent('#details-name'), 'Nightly backup');
  assert.equal(await page.inputValue('#details-description'), 'Weekly full backup of the build server');
  assert.equal(await page.isVisible('#error'), false);

  // A GUID nobody issued: BG_E_NOT_FOUND, 0x80200001.
  await page.fill('#lookup-guid', UNISSUED);
  await page.click('#lookup-submit');
  await page.waitForSelector('#error', { state: 'visible' });
  assert.equal(await page.textContent('#error-name'), 'BG_E_NOT_FOUND');
  assert.equal(await page.textContent('#error-hresult'), '0x80200001');
  assert.match(await page.textContent('#error-text'), /no job in the queue has that GUID/);
  assert.match(await page.textContent('#log li:first-child'), /BG_E_NOT_FOUND \(0x80200001\)/);

  // Text that is not a GUID: E_INVALIDARG from parse-guid.
  await page.fill('#lookup-guid', 'not-a-guid');
  await page.click('#lookup-submit');
  await page.waitForFunction(() => document.getElementById('error-name').textContent === 'E_INVALIDARG');
  assert.equal(await page.textContent('#error-hresult'), '0x80070057');

  // Leave the not-found refusal on screen for the screenshot.
  await page.fill('#lookup-guid', UNISSUED);
  await page.click('#lookup-submit');
  await page.waitForFunction(() => document.getElementById('error-name').textContent === 'BG_E_NOT_FOUND');
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  assert.deepEqual(pageErrors, [], 'no errors in the page or its console');
});
