// Drawing the console's parts from plain snapshots (see jobs.js). Nothing
// here touches the component.

import { formatBytes, formatDatetime, formatDuration } from './format.js';
import { describeJobError } from './job-errors.js';
import { fraction, moving, setBar, shownName } from './jobs-grid.js';
import { SIZE_UNKNOWN, isFinal } from './jobs.js';

export { shownName };

const $ = (id) => document.getElementById(id);

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/** "12.0 MiB of 64.0 MiB (19%) · 8.0 MiB/s · 7 s left", from a job's progress and rate. */
export function describeProgress(progress, rate, state) {
  const { bytesTotal, bytesTransferred, filesTotal, filesTransferred } = progress;
  const done = fraction(progress);
  const bytes =
    bytesTotal === SIZE_UNKNOWN
      ? `${formatBytes(bytesTransferred)} (total unknown)`
      : `${formatBytes(bytesTransferred)} of ${formatBytes(bytesTotal)}${done === null ? '' : ` (${Math.floor(done * 100)}%)`}`;
  const parts = [bytes, `${filesTransferred} of ${filesTotal} files`];
  if (moving(state) && rate !== null) {
    parts.push(`${formatBytes(Math.max(0, rate))}/s`);
    if (bytesTotal !== SIZE_UNKNOWN && rate > 0) parts.push(`${formatDuration(Number(bytesTotal - bytesTransferred) / rate)} left`);
  }
  return parts.join(' · ');
}

/**
 * When a job in transient-error retries: its failure (its last modification)
 * plus its minimum retry delay, or at once when the network comes back.
 */
export function describeRetry(job, now = Date.now()) {
  const failedAt = Number(job.times.modification.seconds) * 1000 + Math.floor(job.times.modification.nanoseconds / 1e6);
  const left = Math.max(0, Math.ceil((failedAt + job.minimumRetryDelay * 1000 - now) / 1000));
  const when = left === 0 ? 'retrying now' : `next retry in ${formatDuration(left)}`;
  return `${when}, or as soon as the network is back${navigator.onLine ? '' : ' (this browser is offline)'}`;
}

/**
 * Sets an edit control from the job unless the visitor is editing it: the
 * value is replaced only when the job or its stored value changed, so a
 * redraw during a download does not undo what is being typed.
 */
function setEditable(control, guid, value, property = 'value') {
  const saved = String(value);
  if (control.dataset.guid !== guid || control.dataset.saved !== saved) {
    control[property] = property === 'checked' ? value : saved;
    control.dataset.guid = guid;
    control.dataset.saved = saved;
  }
}

function renderJobError(error) {
  const box = $('details-error');
  box.hidden = !error;
  if (!error) return;
  const described = describeJobError(error);
  $('details-error-name').textContent = described.name;
  $('details-error-hresult').textContent = described.hex;
  $('details-error-context').textContent = described.context;
  $('details-error-text').textContent = described.text;
}

/** The details panel for one job snapshot (with files), or hidden for null. */
export function renderDetails(job, rate) {
  const panel = $('details');
  panel.hidden = job === null;
  if (job === null) return;
  const final = isFinal(job.state);
  panel.dataset.guid = job.guid;
  panel.dataset.bytes = String(job.progress.bytesTransferred);
  $('details-name').textContent = shownName(job.name);
  const state = $('details-state');
  state.className = `badge state-${job.state}`;
  state.textContent = job.state;
  $('details-guid').textContent = job.guid;
  $('details-type').textContent = job.type;
  setBar($('details-bar'), job.progress, job.state);
  $('details-progress').textContent = describeProgress(job.progress, rate, job.state);
  const retry = $('details-retry');
  retry.hidden = job.state !== 'transient-error';
  if (!retry.hidden) retry.textContent = describeRetry(job);
  renderJobError(job.error);
  $('details-created').textContent = formatDatetime(job.times.creation);
  $('details-modified').textContent = formatDatetime(job.times.modification);
  $('details-completed').textContent = formatDatetime(job.times.transferCompletion);
  $('details-final').hidden = !final;

  setEditable($('details-priority'), job.guid, job.priority);
  setEditable($('details-description'), job.guid, job.description);
  setEditable($('details-retry-delay'), job.guid, job.minimumRetryDelay);
  setEditable($('details-no-progress'), job.guid, job.noProgressTimeout);
  for (const box of document.querySelectorAll('#notify-form input[type=checkbox]')) {
    setEditable(box, job.guid, (job.notifyFlags & Number(box.value)) !== 0, 'checked');
  }

  $('files-body').replaceChildren(
    ...job.files.map((file, index) => {
      const tr = document.createElement('tr');
      const progress = job.fileProgress[index];
      const text = progress
        ? progress.bytesTotal === SIZE_UNKNOWN
          ? formatBytes(progress.bytesTransferred)
          : `${formatBytes(progress.bytesTransferred)} of ${formatBytes(progress.bytesTotal)}`
        : '';
      tr.append(cell(file.remoteName, 'path'), cell(file.localName, 'path'), cell(text, 'num'));
      return tr;
    }),
  );
  $('files-empty').hidden = job.files.length > 0;
  // A final job's controls are disabled; the focus, if on one, moves to the
  // job's name first rather than falling to the page's body.
  if (final && panel.contains(document.activeElement) && document.activeElement !== $('details-name')) $('details-name').focus();
  for (const control of panel.querySelectorAll('button, select, textarea, input')) control.disabled = final;
  if (final) for (const id of ['cancel-confirm', 'complete-confirm']) $(id).hidden = true;
}

/** Shows a refusal (`{ name, hex, explanation }` plus what was attempted), or hides the banner for null. */
export function renderError(failure) {
  const banner = $('error');
  banner.hidden = failure === null;
  if (failure === null) return;
  $('error-name').textContent = failure.name;
  $('error-hresult').textContent = failure.hex ?? '';
  $('error-text').textContent = failure.text;
}

const LOG_KEPT = 12;
let logged = 0;

/**
 * Adds a line to the activity log, newest first, the last 12 kept. Each
 * entry keeps the number it was given, so older ones do not renumber.
 */
export function logActivity(text, kind = 'ok') {
  const list = $('log');
  const item = document.createElement('li');
  logged += 1;
  item.value = logged;
  item.className = `log-${kind}`;
  item.textContent = text;
  list.prepend(item);
  while (list.children.length > LOG_KEPT) list.lastElementChild.remove();
}

export function renderStatus(text, kind) {
  const status = $('status');
  status.textContent = text;
  status.className = `status status-${kind}`;
}

/**
 * The committed files kept in the page's storage (`{ path, url }`, url a
 * blob: URL), each with a link that saves it and a button that deletes it
 * (`onDelete(path)`), which asks by a second press.
 */
export function renderStoredFiles(files, onDelete) {
  const list = $('stored-files');
  list.replaceChildren(
    ...files.map(({ path, url }) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = url;
      link.download = path.split('/').at(-1);
      link.textContent = `Save ${path}`;
      link.className = 'path';
      link.dataset.path = path;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'link delete';
      remove.dataset.deletes = path;
      const idle = `Delete ${path.split('/').at(-1)}`;
      remove.textContent = 'Delete';
      remove.setAttribute('aria-label', idle);
      remove.addEventListener('click', () => {
        if (remove.dataset.armed === 'true') return onDelete(path);
        remove.dataset.armed = 'true';
        remove.textContent = 'Press again to delete';
        remove.setAttribute('aria-label', `Press again to delete ${path}`);
      });
      const disarm = () => {
        remove.dataset.armed = 'false';
        remove.textContent = 'Delete';
        remove.setAttribute('aria-label', idle);
      };
      remove.addEventListener('blur', disarm);
      remove.addEventListener('keydown', (event) => event.key === 'Escape' && disarm());
      item.append(link, ' ', remove);
      return item;
    }),
  );
  $('stored-empty').hidden = files.length > 0;
}
