// The Node API: the bits:queue component with a real engine host — fetch()
// for the bytes, node:fs for the files, a journal file for the queue — so
// jobs download in the background and survive a restart of the process.
// Types: index.d.ts beside this file.
//
//   import { openQueue } from 'bits-queue-web';
//   const queue = await openQueue({ journal: '/var/lib/app/queue.json' });
//   const job = await queue.change(() => queue.jobs.createJob('ISO', 'download'));
//   ...
//   await queue.close();
//
// One process holds one component instance, so one queue: openQueue may be
// called once per process.
//
// Credentials and write-only custom headers (contract §15.1–§15.2) never
// enter the journal: they live in JOURNAL.secrets/ beside it, a directory
// only the process's user can open (0700, each file 0600), and a job's are
// deleted once its removal is stored. The journal itself is written 0600.
// A job's notify program (setNotifyCmdLine) runs as this process's user
// (node/notify.js).

import { EngineHost } from '../public/engine/host.js';
import { createHash } from 'node:crypto';
import { fileJournal } from './file-journal.js';
import { fileSecrets } from './file-secrets.js';
import { runNotifyCommand } from './notify.js';
import { WEB_HASHES } from '../public/engine/digest.js';
import { nodeFiles } from './fs-files.js';
import { nodeSources, readableDirs } from './fs-sources.js';
import { DEFAULT_FRAGMENT, MIN_FRAGMENT } from '../public/engine/upload.js';
import { handleWrappers, jsonSafe } from './handles.js';
import { QueueError } from './refusals.js';

export { QueueError };

/** States a job never leaves (it has left the queue). */
const FINAL = new Set(['acknowledged', 'cancelled']);

let opened = false;

const dispose = (handle) => handle?.[Symbol.dispose]?.();

/**
 * The open queue: an EventTarget of the whole queue's events ('notify',
 * 'progress', 'change'; each a CustomEvent whose `detail` JSON.stringify can
 * write), with per-job events from `eventsFor(job)`.
 */
class Queue extends EventTarget {
  #host;
  #types;
  #raw;
  #closed = false;
  #changing = false;
  #waiters = new Set();
  #perJob = new Map(); // guid → Set of { target, job }

  constructor({ component, host, raw, jobs }) {
    super();
    this.component = component;
    this.jobs = jobs;
    this.#host = host;
    this.#types = component.types;
    this.#raw = raw;
  }

  /** Whether queue.change() is running its call now, and whether the queue is closed (for the handles). */
  get handleState() {
    return { closed: this.#closed, changing: this.#changing };
  }

  /** Runs `call` (changing calls on this queue's handles) and resolves once its file actions are done and its changes stored. */
  async change(call) {
    if (this.#closed) throw new Error('change: the queue is closed');
    if (typeof call !== 'function') throw new TypeError('change: call must be a function making the changing calls');
    return this.#host.change(() => {
      this.#changing = true;
      try {
        return call();
      } finally {
        this.#changing = false;
      }
    });
  }

  /**
   * Resolves with the job's state once it is one of `states`; rejects when it
   * reaches a state it can no longer leave (acknowledged, cancelled) instead,
   * after `timeout` ms, when `signal` aborts, or when the queue closes.
   */
  waitFor(job, states, { timeout, signal } = {}) {
    if (this.#closed) return Promise.reject(new Error('waitFor: the queue is closed'));
    if (!Array.isArray(states) || states.length === 0) return Promise.reject(new TypeError('waitFor: states must be a non-empty array of job states'));
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout >= 0)) {
      return Promise.reject(new TypeError(`waitFor: timeout must be a number of milliseconds ≥ 0, not ${timeout}`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      let timer;
      const settle = (outcome) => {
        this.#waiters.delete(check);
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        outcome();
      };
      const check = (closing = false) => {
        if (closing) return settle(() => reject(new Error('waitFor: the queue was closed')));
        const state = job.getState();
        if (states.includes(state)) settle(() => resolve(state));
        else if (FINAL.has(state)) settle(() => reject(new Error(`waitFor: the job reached ${state}, which it can no longer leave, not ${states.join(' or ')}`)));
      };
      const aborted = () => settle(() => reject(signal.reason));
      signal?.addEventListener('abort', aborted, { once: true });
      if (timeout !== undefined) {
        timer = setTimeout(() => settle(() => reject(Object.assign(new Error(`waitFor: the job was not ${states.join(' or ')} after ${timeout} ms`), { name: 'TimeoutError' }))), timeout);
      }
      this.#waiters.add(check);
      check();
    });
  }

  /** An EventTarget of one job's events: 'notify', 'progress', 'state' (the last one final when it leaves the queue). */
  eventsFor(job) {
    const guid = this.#types.guidToString(job.getId());
    const target = new EventTarget();
    if (!this.#perJob.has(guid)) this.#perJob.set(guid, new Set());
    this.#perJob.get(guid).add({ target, job, state: job.getState() });
    return target;
  }

  /** The job's progress as plain numbers (JSON-safe): bytesTotal null while a size is unknown. */
  progress(job) {
    const { bytesTotal, bytesTransferred, filesTotal, filesTransferred } = job.getProgress();
    return { bytesTotal: bytesTotal === 0xffff_ffff_ffff_ffffn ? null : Number(bytesTotal), bytesTransferred: Number(bytesTransferred), filesTotal, filesTransferred };
  }

  /** Stops the transfers (they resume next time), stores the queue; later calls reject. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    for (const check of [...this.#waiters]) check(true);
    await this.#host.close();
    dispose(this.#raw);
  }

  // The host's events, passed on.

  afterTurn() {
    for (const check of [...this.#waiters]) check();
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
    const guid = detail?.guid;
    for (const watcher of this.#perJob.get(guid) ?? []) watcher.target.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** After each stored batch: a 'change' per job it names, a per-job 'state' when a watched job's state moved. */
  saved(changes) {
    const touched = new Map();
    for (const change of changes) {
      if (change.tag === 'put') touched.set(this.#types.guidToString(change.val.id), false);
      else if (change.tag === 'remove') touched.set(this.#types.guidToString(change.val), true);
    }
    for (const [guid, removed] of touched) {
      this.dispatchEvent(new CustomEvent('change', { detail: { guid, removed } }));
      const watchers = this.#perJob.get(guid);
      if (!watchers) continue;
      for (const watcher of watchers) {
        const state = watcher.job.getState();
        if (state !== watcher.state) {
          watcher.state = state;
          watcher.target.dispatchEvent(new CustomEvent('state', { detail: { guid, state } }));
        }
      }
      if (removed) this.#perJob.delete(guid);
    }
  }
}

/**
 * Opens the queue stored in `journal` (a path; created on the first change),
 * restores it and starts transferring. `events` are optional callbacks
 * (notify, progress, turn, fileError, error), as well as the queue's events.
 * Uploads read their local files only below `allowRead` (absolute
 * directories) when it is given, in fragments of `uploadFragment` bytes.
 */
export async function openQueue({ journal, events = {}, fetch = globalThis.fetch, allowRead, uploadFragment = DEFAULT_FRAGMENT } = {}) {
  if (typeof journal !== 'string' || journal === '') throw new TypeError('openQueue: journal must be the path of the journal file');
  if (!Number.isSafeInteger(uploadFragment) || uploadFragment < MIN_FRAGMENT) {
    throw new TypeError(`openQueue: uploadFragment must be a whole number of bytes, at least ${MIN_FRAGMENT} (64 KiB), not ${uploadFragment}`);
  }
  const dirs = await readableDirs(allowRead);
  if (opened) throw new Error('openQueue: already called in this process: the component holds one queue for the life of the process');
  opened = true;
  let component;
  try {
    component = await import('../generated/bits-queue.js');
  } catch (error) {
    opened = false;
    throw new Error(`openQueue: cannot load web/generated/bits-queue.js (${error.message}); run \`npm run build\` first`);
  }
  let queue = null;
  const stored = fileJournal(journal, component.types);
  const host = new EngineHost({
    component,
    files: nodeFiles,
    sources: nodeSources(dirs),
    fragmentSize: uploadFragment,
    journal: {
      load: stored.load,
      save: async (changes) => {
        await stored.save(changes);
        if (changes.length > 0) queue?.saved(changes);
      },
    },
    fetch,
    secrets: fileSecrets(journal),
    // The notify program (contract §16.1) runs as this process's user.
    runCommand: runNotifyCommand,
    // Digest answers MD5 challenges too: Node has MD5, WebCrypto does not.
    hashes: { ...WEB_HASHES, MD5: async (text) => createHash('md5').update(text).digest('hex') },
    events: {
      ...events,
      turn: () => {
        queue?.afterTurn();
        events.turn?.();
      },
      notify: (notice) => {
        queue?.emit('notify', { guid: notice.guid, event: notice.event });
        events.notify?.(notice);
      },
      progress: (progress) => {
        queue?.emit('progress', jsonSafe({ guid: progress.guid, fileIndex: progress.fileIndex, bytes: Number(progress.bytes) }));
        events.progress?.(progress);
      },
    },
  });
  try {
    await host.open();
  } catch (error) {
    opened = false;
    throw error;
  }
  const raw = new component.manager.JobManager();
  const wrappers = handleWrappers({ types: component.types, state: () => queue.handleState });
  queue = new Queue({ component, host, raw, jobs: wrappers.wrapManager(raw) });
  return queue;
}
