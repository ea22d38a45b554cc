// The bits:queue component in Node, through the same module jco transpiled
// for the page: create jobs, print their GUIDs, get one back by its GUID.
//
//   npm run example        (builds first)   or   node examples/node-example.js

import { describeQueueError } from '../public/errors.js';
import { dispose } from '../public/jobs.js';

let component;
try {
  component = await import('../generated/bits-queue.js');
} catch (error) {
  console.error(`cannot load web/generated/bits-queue.js (${error.message}); run \`npm run build\` first`);
  process.exit(1);
}
const { manager, types } = component;

const jobManager = new manager.JobManager();
const created = [
  jobManager.createJob('Nightly backup', 'download'),
  jobManager.createJob('Crash report', 'upload'),
  jobManager.createJob('Telemetry round trip', 'upload-reply'),
];
created[0].addFile('https://example.com/backup/2026-11-23.tar', '/var/backups/2026-11-23.tar');
created[0].setPriority('high');

console.log('created:');
for (const job of created) {
  console.log(`  ${types.guidToString(job.getId())}  ${job.getType().padEnd(12)}  ${job.getDisplayName()}`);
}

// Get the first job back from its GUID's text, as another process would.
const text = types.guidToString(created[0].getId());
const again = jobManager.getJob(types.parseGuid(text.toLowerCase()));
const progress = again.getProgress();
console.log(
  `get-job ${text}: "${again.getDisplayName()}", ${again.getState()}, priority ${again.getPriority()}, ` +
    `${progress.filesTotal} file(s)`,
);

// A refusal: the all-zero GUID was never issued.
try {
  jobManager.getJob(types.parseGuid('{00000000-0000-0000-0000-000000000000}'));
} catch (error) {
  const refusal = describeQueueError(error, types);
  if (!refusal) throw error;
  console.log(`get-job of the nil GUID: ${refusal.name} (${refusal.hex}): ${refusal.explanation}`);
}

// Handles pin guest memory until disposed; the jobs stay in the queue.
[...created, again].forEach(dispose);
const remaining = jobManager.enumJobs();
console.log(`jobs still queued after disposing the handles: ${remaining.length}`);
remaining.forEach(dispose);
dispose(jobManager);
