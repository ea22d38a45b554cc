// axe-core's accessibility rules on the console, in Debian's Chromium, at a
// desktop width and a phone's 320 px, with a job selected and a refusal on
// screen, and the page's width at 320 px. Screenshots of both widths go to
// test-artifacts/.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ARTIFACTS, checkPrerequisites, openConsole, waitForState, withBrowser } from './browser.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

before(checkPrerequisites);

/** axe-core's violations on the page as it is, one line each. */
async function violations(page) {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    const { violations } = await window.axe.run(document, { resultTypes: ['violations'] });
    return violations.map(({ id, impact, nodes }) => `${id} (${impact}): ${nodes.map((node) => `${node.target.join(' ')} — ${node.failureSummary.replace(/\s+/g, ' ')}`).join(' | ')}`);
  });
  return found;
}

/** A console showing what a visitor meets: a downloaded job, a suspended one selected, a refusal. */
async function busyConsole(page, server) {
  await openConsole(page, server);
  await page.click('[data-test-file="1MiB.bin"]');
  await waitForState(page, 'transferred');
  await page.fill('#create-name', `A job with a long name, ${'long '.repeat(40)}`.slice(0, 256));
  await page.click('#create-submit');
  await page.waitForFunction(() => document.getElementById('job-count').textContent === '2');
  await page.fill('#lookup-guid', '{0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F0}');
  await page.click('#lookup-submit');
  await page.waitForSelector('#error', { state: 'visible' });
}

for (const width of [1280, 320]) {
  test(`axe-core finds no violation at ${width} px, and the page never scrolls sideways`, { timeout: 180_000 }, () =>
    withBrowser(
      async ({ server, newPage }) => {
        const page = await newPage();
        await busyConsole(page, server);
        const found = await violations(page);
        assert.deepEqual(found, [], `axe-core at ${width} px:\n${found.join('\n')}`);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide at ${width} px`);
        // From the top: the error banner sticks where the page was scrolled to.
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: join(ARTIFACTS, `console-${width}.png`), fullPage: true });
      },
      { width, height: 900, allowed: /the server responded with a status of 404/ },
    ));
}
