// Reading jobs out of the component into plain objects, so callers can let
// go of the handles at once. A job handle pins a reference in the guest
// until it is disposed (or, eventually, garbage-collected), so the page
// never keeps more handles than it acts on.

/** BG_SIZE_UNKNOWN: `bytes-total` while any file's size is unknown. */
export const SIZE_UNKNOWN = 0xffff_ffff_ffff_ffffn;

/** Disposes a job or job-manager handle; a second dispose is a no-op. */
export function dispose(handle) {
  handle?.[Symbol.dispose ?? Symbol.for('dispose')]?.();
}

/** A plain snapshot of one job's properties. Leaves the handle open. */
export function snapshot(job, types, { withFiles = false } = {}) {
  const id = job.getId();
  const progress = job.getProgress();
  const details = withFiles
    ? {
        files: job.enumFiles(),
        fileProgress: job.getFileProgress(),
        times: job.getTimes(),
        error: job.getError(),
        minimumRetryDelay: job.getMinimumRetryDelay(),
        noProgressTimeout: job.getNoProgressTimeout(),
        notifyFlags: job.getNotifyFlags(),
      }
    : {};
  return {
    id,
    guid: types.guidToString(id),
    name: job.getDisplayName(),
    type: job.getType(),
    state: job.getState(),
    priority: job.getPriority(),
    description: job.getDescription(),
    progress,
    fileCount: progress.filesTotal,
    ...details,
  };
}

/**
 * Every queued job (enum-jobs, in creation order) as snapshots. The handles
 * enum-jobs hands out are all disposed before this returns, even if reading
 * one of them throws.
 */
export function listJobs(jobManager, types) {
  const handles = jobManager.enumJobs();
  try {
    return handles.map((job) => snapshot(job, types));
  } finally {
    handles.forEach(dispose);
  }
}

/** Whether a job has reached a final state and left the queue. */
export function isFinal(state) {
  return state === 'cancelled' || state === 'acknowledged';
}
