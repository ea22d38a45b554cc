#!/usr/bin/env node
// The page's benchmark (issue 22, goal 4), in Debian's Chromium, each figure
// beside its peer from the same run:
//   1. the main thread's busy share during one download (the dev server's
//      64 MiB file, paced at 4 MiB/s), with 300 jobs listed and with 1;
//      busy = the renderer main thread's task time (CDP Performance
//      metrics, TaskDuration) over wall time, in a window mid-download;
//   2. 256 MiB downloaded into OPFS by the page's engine (from Resume to
//      `transferred`) against fetch() writing the same bytes into OPFS
//      through a sync access handle from a dedicated worker of the same page.
// Prints a table; figures are medians of ROUNDS runs. `--quick` runs each
// once, at a small size, measuring nothing worth keeping (a check that the
// benchmark works).
//
//   npm run bench [-- --quick]

import { openBrowser, openConsole } from '../test/browser.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 3;
const BUSY_WINDOW_MS = quick ? 1000 : 6000;
const MiB = 1024 * 1024;
const BIG = quick ? '1MiB.bin' : '256MiB.bin';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Creates jobs through the page's own form, each after the previous one is listed. */
function createJobs(page, count) {
  return page.evaluate(async (count) => {
    const listed = () => Number(document.getElementById('job-count').textContent);
    for (let i = 1; i <= count; i += 1) {
      const before = listed();
      document.getElementById('create-name').value = `listed job ${i}`;
      document.getElementById('create-form').requestSubmit();
      while (listed() === before) await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }, count);
}

/** The main thread's busy share (0..1) over `ms`, from Chromium's own task accounting. */
async function busyShare(page, ms) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const value = (name) => metrics.find((metric) => metric.name === name).value;
    return { task: value('TaskDuration'), at: value('Timestamp') };
  };
  const first = await read();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const last = await read();
  await cdp.detach();
  return (last.task - first.task) / (last.at - first.at);
}

/** Busy share during the 64 MiB download with `jobs` jobs listed (the download one of them). */
async function busyDuringDownload(jobs) {
  const browser = await openBrowser();
  try {
    const page = await browser.newPage();
    await openConsole(page, browser.server);
    await createJobs(page, jobs - 1);
    await page.click('[data-test-file="64MiB.bin"]');
    await page.waitForFunction((at) => Number(document.getElementById('details').dataset.bytes) >= at, 4 * MiB, { timeout: 120_000 });
    return await busyShare(page, BUSY_WINDOW_MS);
  } finally {
    await browser.close();
  }
}

/** Seconds from Resume to `transferred` for BIG through the page's engine. */
async function pageDownload(page, server, round) {
  await page.fill('#create-name', `bench ${round}`);
  await page.click('#create-submit');
  await page.waitForFunction((name) => document.getElementById('details-name').textContent === name, `bench ${round}`);
  await page.fill('#file-remote', new URL(`files/${BIG}`, server.url).href);
  await page.fill('#file-local', `/bench/page-${round}.bin`);
  await page.click('#file-form button');
  await page.waitForFunction(() => document.querySelectorAll('#files-body tr').length === 1);
  const seconds = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const began = performance.now();
        const watch = setInterval(() => {
          if (document.getElementById('details-state').textContent !== 'transferred') return;
          clearInterval(watch);
          resolve((performance.now() - began) / 1000);
        }, 5);
        document.querySelector('[data-action="resume"]').click();
      }),
  );
  // (`[data-action="complete"]`: the page before issue 24, for its before figures.)
  await page.click('#complete-job, [data-action="complete"]');
  await page.waitForFunction(() => document.getElementById('details-state').textContent === 'acknowledged');
  return seconds;
}

/** The peer: fetch() into OPFS through a sync access handle, in a dedicated worker of the page. */
function workerFetch(page, url, path) {
  return page.evaluate(
    ({ url, path }) => {
      const source = `
        self.onmessage = async ({ data: { url, path } }) => {
          const began = performance.now();
          const root = await navigator.storage.getDirectory();
          const file = await root.getFileHandle(path, { create: true });
          const handle = await file.createSyncAccessHandle();
          handle.truncate(0);
          const reader = (await fetch(url, { cache: 'no-store' })).body.getReader();
          let at = 0;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            at += handle.write(value, { at });
          }
          handle.flush();
          handle.close();
          self.postMessage({ seconds: (performance.now() - began) / 1000, bytes: at });
        };`;
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
      return new Promise((resolve) => {
        worker.onmessage = ({ data }) => {
          worker.terminate();
          resolve(data);
        };
        worker.postMessage({ url, path });
      });
    },
    { url, path },
  );
}

async function throughput() {
  const browser = await openBrowser();
  try {
    const page = await browser.newPage();
    await openConsole(page, browser.server);
    const engine = [];
    const peer = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      engine.push(await pageDownload(page, browser.server, round));
      const { seconds, bytes } = await workerFetch(page, new URL(`files/${BIG}`, browser.server.url).href, `peer-${round}.bin`);
      if (bytes !== (quick ? MiB : 256 * MiB)) throw new Error(`the peer wrote ${bytes} bytes`);
      peer.push(seconds);
      // Keep OPFS small: both copies go.
      await page.evaluate(async (round) => {
        const root = await navigator.storage.getDirectory();
        await root.removeEntry(`peer-${round}.bin`);
        await (await root.getDirectoryHandle('bench')).removeEntry(`page-${round}.bin`);
      }, round);
    }
    return { engine: median(engine), peer: median(peer), engineRuns: engine, peerRuns: peer };
  } finally {
    await browser.close();
  }
}

const oneJob = [];
const manyJobs = [];
for (let round = 1; round <= ROUNDS; round += 1) {
  oneJob.push(await busyDuringDownload(1));
  manyJobs.push(await busyDuringDownload(300));
}
const speed = await throughput();
const pct = (share) => `${(share * 100).toFixed(1)} %`;
const s = (seconds) => `${seconds.toFixed(2)} s`;
console.log(`page benchmark${quick ? ' (--quick: checks only, no figures)' : ''}, medians of ${ROUNDS}`);
console.log('| work | the page | peer | ratio |');
console.log('|---|---|---|---|');
console.log(`| main thread busy during one download, 300 jobs listed | ${pct(median(manyJobs))} | 1 job listed: ${pct(median(oneJob))} | ${(median(manyJobs) / median(oneJob)).toFixed(2)}× |`);
console.log(
  `| ${BIG} into OPFS (Resume → transferred) | ${s(speed.engine)} | fetch → sync access handle in a worker: ${s(speed.peer)} | ${(speed.peer / speed.engine).toFixed(2)}× the peer's speed |`,
);
console.log(`runs: busy 300 jobs ${manyJobs.map(pct).join(', ')}; 1 job ${oneJob.map(pct).join(', ')}; engine ${speed.engineRuns.map(s).join(', ')}; peer ${speed.peerRuns.map(s).join(', ')}`);
