// A changing call from the page as data, so any tab can ask the tab that
// hosts the engine to make it (tabs/engine-link.js): create a job or name
// one by GUID, then call job methods on it, in order, as one change.
//
//   { create: [displayName, jobType] } or { guid: '{…}' }, plus
//   calls: [[method, ...args], …]   (job methods only; listed below)

import { dispose } from './jobs.js';

/** The job methods a tab may have the host call (the changing ones). */
const JOB_METHODS = new Set([
  'addFile',
  'resume',
  'suspend',
  'cancel',
  'complete',
  'setDisplayName',
  'setDescription',
  'setPriority',
  'setMinimumRetryDelay',
  'setNoProgressTimeout',
  'setNotifyFlags',
  // Contract §15.1–§15.2: a secret crosses to the hosting tab in memory only.
  'setCredentials',
  'removeCredentials',
  'setCustomHeaders',
  'makeCustomHeadersWriteOnly',
]);

/**
 * Carries out `op` on the queue behind `jobManager`; returns the job's GUID
 * text. A refusal propagates as the component threw it (its `payload` the
 * error-code); methods are checked before any call, so a bad op changes nothing.
 */
export function perform(op, jobManager, types) {
  const calls = op.calls ?? [];
  for (const [method] of calls) {
    if (!JOB_METHODS.has(method)) throw new TypeError(`"${method}" is not a job method a tab may call`);
  }
  const job = op.create ? jobManager.createJob(op.create[0], op.create[1]) : jobManager.getJob(types.parseGuid(op.guid));
  try {
    for (const [method, ...args] of calls) job[method](...args);
    return types.guidToString(job.getId());
  } finally {
    dispose(job);
  }
}
