// The bits:queue component in Node with a real engine host: downloads a file
// in the background, with progress, into a directory on disk, keeping the
// queue in a journal file there (run it again after Ctrl-C and the download
// resumes where it stopped, with a Range request).
//
//   npm run example                          the dev server's 64 MiB test file, into a fresh temporary directory
//   node examples/node-example.js URL DIR    any http(s) URL, into DIR (DIR/journal.json keeps the queue)

import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describeJobError } from '../public/job-errors.js';
import { formatBytes } from '../public/format.js';
import { SIZE_UNKNOWN } from '../public/jobs.js';
import { openQueue } from '../node/index.js';
import { startServer } from '../server.js';

const [urlArgument, dirArgument] = process.argv.slice(2);
let server;
let url = urlArgument;
if (!url) {
  // The dev server on 127.0.0.1, in this process, paced at 4 MiB/s so the progress shows.
  server = await startServer({ port: 0 });
  url = new URL('files/64MiB.bin', server.url).href;
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
process.once('SIGINT', async () => {
  clearInterval(shown);
  await queue.close(); // the transfer is reported lost: the next run resumes it
  console.log(`\nstopped; run again with: node examples/node-example.js ${url} ${dir}`);
  process.exit(130);
});

const state = await queue.waitFor(job, ['transferred', 'error']);
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
