// The Node API: the bits:queue component with a real engine host — fetch()
// for the bytes, node:fs for the files, a journal file for the queue — so
// jobs download in the background and survive a restart of the process.
//
//   import { openQueue } from './node/index.js';
//   const queue = await openQueue({ journal: '/var/lib/app/queue.json' });
//   const job = await queue.change(() => queue.jobs.createJob('ISO', 'download'));
//   ...
//   await queue.close();
//
// One process holds one component instance, so one queue: openQueue may be
// called once per process.

import { EngineHost } from '../public/engine/host.js';
import { fileJournal } from './file-journal.js';
import { nodeFiles } from './fs-files.js';

let opened = false;

/**
 * Opens the queue stored in `journal` (a path; created on the first change),
 * restores it and starts transferring. `events` are the host's callbacks
 * (notify, progress, turn, fileError, error; see public/engine/host.js).
 * Returns { component, jobs (a job-manager), change(call), waitFor(job, states), close() }.
 */
export async function openQueue({ journal, events = {}, fetch = globalThis.fetch } = {}) {
  if (typeof journal !== 'string' || journal === '') throw new TypeError('openQueue needs { journal: path of the journal file }');
  if (opened) throw new Error('openQueue was already called in this process: the component holds one queue');
  opened = true;
  const component = await import('../generated/bits-queue.js').catch((error) => {
    opened = false;
    throw new Error(`cannot load web/generated/bits-queue.js (${error.message}); run \`npm run build\` first`);
  });
  const waiters = new Set();
  const host = new EngineHost({
    component,
    files: nodeFiles,
    journal: fileJournal(journal, component.types),
    fetch,
    events: {
      ...events,
      turn: () => {
        for (const check of waiters) check();
        events.turn?.();
      },
    },
  });
  await host.open();
  const jobs = new component.manager.JobManager();

  /** Resolves with the job's state once it is one of `states` (checked after every turn). */
  function waitFor(job, states) {
    return new Promise((resolve) => {
      const check = () => {
        const state = job.getState();
        if (states.includes(state)) {
          waiters.delete(check);
          resolve(state);
        }
      };
      waiters.add(check);
      check();
    });
  }

  return {
    component,
    jobs,
    change: (call) => host.change(call),
    waitFor,
    close: () => host.close(),
  };
}
