// The jobs as the page lists them: snapshots (jobs.js) in creation order,
// kept up to date from the journal's changes (contract §11) instead of
// reading every job again at each redraw. A batch of changes re-reads only
// the jobs it names, so a download's progress costs one job's reading
// whatever the queue holds.

import { dispose, listJobs, snapshot } from './jobs.js';

/** Whether `error` is the queue refusing a call (jco's ComponentError with an error-code). */
const isRefusal = (error) => error instanceof Error && typeof error.payload === 'string';

export class JobsModel {
  #jobManager;
  #types;
  #rows = [];
  #at = new Map(); // guid → index in #rows

  constructor(jobManager, types) {
    this.#jobManager = jobManager;
    this.#types = types;
  }

  /** Every job, in creation order. */
  get rows() {
    return this.#rows;
  }

  /** Reads every job again (at start, and when a whole queue was applied). */
  reload() {
    this.#rows = listJobs(this.#jobManager, this.#types);
    this.#reindex();
  }

  /** Follows one batch of journal changes: `put` re-reads that job, `remove` drops it. */
  apply(changes) {
    const touched = new Map(); // guid → id, in order, each once
    for (const change of changes) {
      const id = change.tag === 'put' ? change.val.id : change.tag === 'remove' ? change.val : null;
      if (id) touched.set(this.#types.guidToString(id), id);
    }
    let removed = false;
    for (const [guid, id] of touched) {
      const row = this.#read(id);
      const at = this.#at.get(guid);
      if (row && at !== undefined) this.#rows[at] = row;
      else if (row) {
        // A job not listed yet is the newest: creation order puts it last.
        this.#at.set(guid, this.#rows.length);
        this.#rows.push(row);
      } else if (at !== undefined) {
        this.#rows[at] = null;
        removed = true;
      }
    }
    if (removed) {
      this.#rows = this.#rows.filter((row) => row !== null);
      this.#reindex();
    }
  }

  /** The job's snapshot, or null when it left the queue. */
  #read(id) {
    let job;
    try {
      job = this.#jobManager.getJob(id);
      return snapshot(job, this.#types);
    } catch (error) {
      if (isRefusal(error)) return null;
      throw error;
    } finally {
      dispose(job);
    }
  }

  #reindex() {
    this.#at = new Map(this.#rows.map((row, i) => [row.guid, i]));
  }
}
