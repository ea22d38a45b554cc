// What the Chromium tests share: Debian's Chromium through playwright-core
// (which never downloads a browser), each test with a fresh profile (so its
// own IndexedDB and OPFS), and the dev server on 127.0.0.1.

import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../server.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));

export async function checkPrerequisites() {
  await access(CHROMIUM).catch(() => {
    throw new Error(`${CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium)`);
  });
  await access(new URL('../generated/bits-queue.js', import.meta.url)).catch(() => {
    throw new Error('web/generated/ is missing: run `npm run build` before `npm test`');
  });
  await mkdir(ARTIFACTS, { recursive: true });
}

/** The dev server on 127.0.0.1 and a fresh Chromium profile; `close()` ends both. */
export async function openBrowser({ width = 1280, height = 900 } = {}) {
  const server = await startServer({ port: 0 });
  const userDataDir = await mkdtemp(join(tmpdir(), 'bits-queue-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
    acceptDownloads: false,
  });
  const errors = [];
  const newPage = async () => {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    return page;
  };
  const close = async () => {
    await context.close();
    await new Promise((resolve) => server.server.close(resolve));
    server.server.closeAllConnections?.();
    await rm(userDataDir, { recursive: true, force: true });
  };
  return { server, context, newPage, errors, close, userDataDir };
}

/** Opens the console and waits until the component and its storage are ready. */
export async function openConsole(page, server) {
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]');
}

/** The paths of every file in the page's OPFS. */
export function storedPaths(page) {
  return page.evaluate(async () => {
    const paths = [];
    const walk = async (dir, prefix) => {
      for await (const [name, entry] of dir.entries()) {
        if (entry.kind === 'directory') await walk(entry, `${prefix}/${name}`);
        else paths.push(`${prefix}/${name}`);
      }
    };
    await walk(await navigator.storage.getDirectory(), '');
    return paths.sort();
  });
}

/** The SHA-256 (hex) of an OPFS file, read in the page. */
export function storedDigest(page, path) {
  return page.evaluate(async (path) => {
    let dir = await navigator.storage.getDirectory();
    const parts = path.split('/').filter(Boolean);
    for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part);
    const file = await (await dir.getFileHandle(parts.at(-1))).getFile();
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }, path);
}

export /** Creates jobs through the page's own form, waiting for each to be listed. */
function createThroughForm(page, names) {
  return page.evaluate(async (names) => {
    const count = () => Number(document.getElementById('job-count').textContent);
    for (const name of names) {
      const before = count();
      document.getElementById('create-name').value = name;
      document.getElementById('create-form').requestSubmit();
      while (count() === before) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }, names);
}

/** Waits until the details panel shows `state`. */
export function waitForState(page, state, timeout = 120_000) {
  // Polled on a timer: a tab in the background gets no animation frames.
  return page.waitForFunction((state) => document.getElementById('details-state')?.textContent === state, state, { timeout, polling: 100 });
}

/**
 * Runs `body(browser)` with a fresh profile and dev server, then checks the
 * page logged no errors but those `allowed` (Chromium logs every failed load).
 */
export async function withBrowser(body, { allowed = null, ...options } = {}) {
  const browser = await openBrowser(options);
  try {
    await body(browser);
    const errors = browser.errors.filter((text) => !allowed?.test(text));
    if (errors.length > 0) throw new Error(`errors in the page or its console:\n${errors.join('\n')}`);
  } finally {
    await browser.close();
  }
}
