// The console by keyboard and the job list's manners, in Debian's Chromium:
// selecting keeps the list where it is, the list is a grid with the selected
// row marked, Escape closes a question, and a whole job's life by keyboard
// alone keeps a visible focus that never falls to <body>.

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { checkPrerequisites, createThroughForm, openConsole, waitForState, withBrowser } from './browser.js';

before(checkPrerequisites);

/** Where the focus is: its id (or role and guid), whether it is <body>, and whether it is visibly marked. */
const focusNow = (page) =>
  page.evaluate(() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return {
      at: element.id || `${element.getAttribute('role') ?? element.tagName}${element.dataset.guid ? ` ${element.dataset.guid}` : ''}`,
      body: element === document.body || element === null,
      visible: element.matches(':focus-visible') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    };
  });

/** Presses Tab (or Shift+Tab) until `selector` has the focus, checking the focus after each press. */
async function tabTo(page, selector, { back = false } = {}) {
  for (let presses = 0; presses < 120; presses += 1) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    await assertFocusShown(page);
    if (await page.evaluate((selector) => document.activeElement.matches(selector), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function assertFocusShown(page) {
  const focus = await focusNow(page);
  assert.equal(focus.body, false, 'the focus is never on <body>');
  assert.equal(focus.visible, true, `the focus on ${focus.at} is visible`);
}

const rowTop = (page, index) =>
  page.$eval(`#jobs-body [aria-rowindex="${index}"]`, (row) => {
    const box = row.getBoundingClientRect();
    const view = document.getElementById('jobs-scroll').getBoundingClientRect();
    return { inView: box.top >= view.top && box.bottom <= view.bottom };
  });

test('selecting row 50 keeps the list where it is; Enter keeps the focus on the row; Escape closes the question', { timeout: 300_000 }, () =>
  withBrowser(async ({ server, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    await createThroughForm(page, Array.from({ length: 80 }, (_, i) => `job ${i + 1}`));
    assert.equal(await page.getAttribute('#jobs', 'role'), 'grid');
    // Row 50 (aria-rowindex 51: the header is row 1) scrolled into the middle of the list.
    await page.$eval('#jobs-scroll', (scroller) => {
      const height = parseFloat(getComputedStyle(document.getElementById('jobs-body')).getPropertyValue('--row-h'));
      scroller.scrollTop = 49 * height - scroller.clientHeight / 2;
    });
    const scrolled = await page.$eval('#jobs-scroll', (scroller) => scroller.scrollTop);
    assert.ok(scrolled > 1000, `scrolled to ${scrolled}`);
    await page.click('#jobs-body [aria-rowindex="51"]');
    await page.waitForFunction(() => document.getElementById('details-name').textContent === 'job 50');
    assert.equal(await page.$eval('#jobs-scroll', (scroller) => scroller.scrollTop), scrolled, 'the list did not move');
    assert.equal((await rowTop(page, 51)).inView, true, 'the row is still in view');
    assert.equal(await page.getAttribute('#jobs-body [aria-rowindex="51"]', 'aria-selected'), 'true');
    assert.equal(await page.getAttribute('#jobs-body [aria-rowindex="51"]', 'role'), 'row');
    assert.equal(await page.locator('#jobs-body [aria-selected="true"]').count(), 1, 'one row is selected');

    // The keyboard: ↓ moves to row 51, Enter selects it, the focus stays on it.
    await page.focus('#jobs-body [aria-rowindex="51"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('details-name').textContent === 'job 51');
    const focus = await focusNow(page);
    assert.equal(focus.body, false, 'Enter keeps the focus off <body>');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-rowindex')), '52');
    assert.equal(await page.getAttribute('#jobs-body [aria-rowindex="52"]', 'aria-selected'), 'true');

    // Escape answers the cancel question with "keep it", and the focus goes back.
    await page.focus('#cancel-job');
    await page.keyboard.press('Enter');
    assert.equal(await page.isVisible('#cancel-confirm'), true);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'cancel-no');
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('#cancel-confirm'), false, 'Escape closes it');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'cancel-job');
    assert.equal(await page.textContent('#details-state'), 'suspended', 'nothing was cancelled');
  }));

test('keyboard only: create, add a file, resume and complete, the focus visible and never on <body>', { timeout: 180_000 }, () =>
  withBrowser(async ({ server, newPage }) => {
    const page = await newPage();
    await openConsole(page, server);
    await tabTo(page, '#create-name');
    await page.keyboard.type('Keyboard job');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('details-name').textContent === 'Keyboard job');
    await assertFocusShown(page);

    await tabTo(page, '#file-remote');
    await page.keyboard.type(new URL('files/1MiB.bin', server.url).href);
    await page.keyboard.press('Tab');
    await assertFocusShown(page);
    await page.keyboard.type('/downloads/keyboard.bin');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#files-body tr').length === 1);
    await assertFocusShown(page);

    await tabTo(page, '[data-action="resume"]', { back: true });
    await page.keyboard.press('Enter');
    await waitForState(page, 'transferred');
    await assertFocusShown(page);

    await tabTo(page, '#complete-job');
    await page.keyboard.press('Enter');
    await waitForState(page, 'acknowledged');
    await page.waitForSelector('#stored-files a[data-path="/downloads/keyboard.bin"]');
    await assertFocusShown(page);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'details-name', 'the focus moved to the job, its buttons now disabled');
  }));
