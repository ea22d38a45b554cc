// The job-manager and job handles a Node program gets from openQueue: the
// component's own (jco) handles behind a Proxy that
//   - refuses a changing call made outside queue.change() (it would be
//     neither carried out by the engine nor stored: a silent no-op), and any
//     call once the queue is closed, with an error that says so;
//   - turns a refusal into a QueueError naming the argument and why;
//   - refuses a blank display name, as the page does;
//   - refuses with E_NOTIMPL what this host cannot do (refusals.js:
//     proxy settings other than preconfig, client certificates, TLS
//     security flags and redirect policies);
//   - gives progress records that JSON.stringify can write (bigints as numbers).

import { asQueueError, refuseBlankName, refuseUnsupported } from './refusals.js';

/**
 * The job methods that change the queue (contract §4, §9, §14–§16): those
 * listed, and every set…, add…, remove…, replace… and make… method.
 */
const CHANGING_PREFIX = /^(set|add|remove|replace|make)[A-Z]/;
const CHANGING_JOB = new Set([
  'setDisplayName',
  'setDescription',
  'setPriority',
  'addFile',
  'addFileSet',
  'addFileWithRanges',
  'setFileValidationState',
  'suspend',
  'resume',
  'cancel',
  'complete',
  'setMinimumRetryDelay',
  'setNoProgressTimeout',
  'setNotifyFlags',
]);
const CHANGING_MANAGER = new Set(['createJob']);

/** `value` with a non-enumerable toJSON writing its bigints as numbers (exact below 2^53, 8 PiB). */
export function jsonSafe(value) {
  if (value === null || typeof value !== 'object') return value;
  Object.defineProperty(value, 'toJSON', {
    value() {
      return Object.fromEntries(Object.entries(this).map(([key, field]) => [key, typeof field === 'bigint' ? Number(field) : field]));
    },
  });
  return value;
}

/**
 * `state()` → { closed, changing }: whether the queue is closed, and whether
 * a queue.change() call is running now.
 */
export function handleWrappers({ types, state }) {
  const guard = (method, changing) => {
    const now = state();
    if (now.closed) throw new Error(`${method}: the queue is closed`);
    if (changing && !now.changing) {
      throw new Error(`${method} changes the queue: call it inside queue.change(() => …), which carries it out and stores it`);
    }
  };

  function wrap(target, changingSet, results) {
    return new Proxy(target, {
      get(object, property) {
        const value = Reflect.get(object, property, object);
        if (typeof value !== 'function' || typeof property !== 'string') return typeof value === 'function' ? value.bind(object) : value;
        return (...args) => {
          guard(property, changingSet.has(property) || (changingSet === CHANGING_JOB && CHANGING_PREFIX.test(property)));
          refuseUnsupported(property, args, types);
          if (property === 'createJob') refuseBlankName('createJob', 'displayName', args[0], types);
          if (property === 'setDisplayName') refuseBlankName('setDisplayName', 'name', args[0], types);
          let result;
          try {
            result = value.apply(object, args);
          } catch (error) {
            throw asQueueError(error, property, args, types);
          }
          return results(property, result);
        };
      },
    });
  }

  const wrapJob = (job) =>
    wrap(job, CHANGING_JOB, (method, result) => {
      if (method === 'getProgress') return jsonSafe(result);
      if (method === 'getFileProgress') return result.map(jsonSafe);
      return result;
    });
  const wrapManager = (manager) =>
    wrap(manager, CHANGING_MANAGER, (method, result) => {
      if (method === 'createJob' || method === 'getJob') return wrapJob(result);
      if (method === 'enumJobs') return result.map(wrapJob);
      return result;
    });
  return { wrapJob, wrapManager };
}
