// The bits:queue component in Node with a real engine host: downloads a file
// in the background, with progress, into a directory on disk, keeping the
// queue in a journal file there (run it again after Ctrl-C and the download
// resumes where it stopped, with a Range request).
//
//   npm run example                          the dev server's 64 MiB test file, into a fresh temporary directory
//   node examples/node-example.js URL DIR    any http(s) URL, into DIR (DIR/journal.json keeps the queue);
//                                            the dev server's own test file when nothing serves it
//                                            any more (so the command printed at Ctrl-C resumes)

import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describeJobError } from '../public/job-errors.js';
import { formatBytes } from '../public/format.js';
import { SIZE_UNKNOWN } from '../public/jobs.js';
import { openQueue } from '../node/index.js';
import { startServer } from '../server.js';
import { TEST_FILES } from '../test-files.js';

/** Whether `url` names one of the dev server's test files on 127.0.0.1. */
function isTestFile(url) {
  const { hostname, pathname, port } = new URL(url);
  return hostname === '127.0.0.1' && port !== '' && pathname.startsWith('/files/') && Object.hasOwn(TEST_FILES, pathname.slice('/files/'.length));
}

/** Whether something answers at `url`'s address. */
const answers = (url) =>
  fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(5000) }).then(
    () => true,
    () => false,
  );

const [urlArgument, dirArgument] = process.argv.slice(2);
let server;
let url = urlArgument;
if (!url) {
  // The dev server on 127.0.0.1, in this process, paced at 4 MiB/s so the progress shows.
  server = await startServer({ port: 0 });
  url = new URL('files/64MiB.bin', server.url).href;
} else if (isTestFile(url) && !(await answers(url))) {
  // A run after Ctrl-C: the dev server that served the first run went with
  // it. Serve the same file again at the same address, so the job resumes.
  server = await startServer({ port: Number(new URL(url).port) });
}
const dir = dirArgument ? resolve(dirArgument) : await mkdtemp(join(tmpdir(), 'bits-queue-example-'));
await mkdir(dir, { recursive: true });
const local = join(dir, basename(new URL(url).pathname) || 'download');

const queue = await openQueue({
  journal: join(dir, 'journal.json'),
  events: {
    notify: ({ guid, event }) => console.log(`\nnotify ${event}: ${guid}`),
    fileError: ({ path, reason }) => console.error(`\nfile ${path}: ${reason}`),
    error: (error) => console.error(`\nthe engine host failed: ${error.message}`),
  },
});
const { types } = queue.component;

// A job left from an earlier run (stopped with Ctrl-C) carries on; else a new one.
const queued = queue.jobs.enumJobs();
const earlier = queued.find((candidate) => candidate.enumFiles()[0]?.localName === local);
for (const other of queued) if (other !== earlier) other[Symbol.dispose]();
const job =
  earlier ??
  (await queue.change(() => {
    const created = queue.jobs.createJob(`example: ${basename(local)}`, 'download');
    created.addFile(url, local);
    created.setMinimumRetryDelay(5);
    created.resume();
    return created;
  }));
console.log(`job ${types.guidToString(job.getId())}: ${url}\n  → ${local}`);

const shown = setInterval(() => {
  const { bytesTransferred, bytesTotal } = job.getProgress();
  const total = bytesTotal === SIZE_UNKNOWN ? '?' : formatBytes(bytesTotal);
  process.stdout.write(`\r  ${job.getState().padEnd(15)} ${formatBytes(bytesTransferred)} of ${total}      `);
}, 250);
let stopping = false;
process.once('SIGINT', async () => {
  stopping = true;
  clearInterval(shown);
  await queue.close(); // the transfer is reported lost: the next run resumes it
  console.log(`\nstopped; run again with: node examples/node-example.js ${url} ${dir}`);
  process.exit(130);
});

// Ctrl-C closes the queue, which ends this wait: the handler above exits.
const state = await queue.waitFor(job, ['transferred', 'error']).catch((error) => (stopping ? new Promise(() => {}) : Promise.reject(error)));
clearInterval(shown);
if (state === 'error') {
  const { name, hex, context, text } = describeJobError(job.getError());
  console.log(`\nthe download failed: ${name} (${hex}), ${context}: ${text}`);
  await queue.change(() => job.cancel());
  process.exitCode = 1;
} else {
  await queue.change(() => job.complete()); // the temporary file takes its local name
  console.log(`\ndone: ${local} (${formatBytes(job.getProgress().bytesTransferred)})`);
}
await queue.close();
server?.server.close();
