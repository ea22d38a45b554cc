// Drawing the console's parts from plain snapshots (see jobs.js). Nothing
// here touches the component.

import { SIZE_UNKNOWN, isFinal } from './jobs.js';

const $ = (id) => document.getElementById(id);

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function badge(state) {
  const span = document.createElement('span');
  span.className = `badge state-${state}`;
  span.textContent = state;
  return span;
}

/** The jobs table: one row per snapshot; `onSelect(row)` on click or Enter. */
export function renderJobs(rows, selectedGuid, onSelect) {
  const body = $('jobs-body');
  body.replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement('tr');
      tr.dataset.guid = row.guid;
      tr.tabIndex = 0;
      if (row.guid === selectedGuid) tr.classList.add('selected');
      const guid = cell('', 'guid');
      const code = document.createElement('code');
      code.textContent = row.guid;
      guid.append(code);
      const state = cell('');
      state.append(badge(row.state));
      tr.append(guid, cell(row.name || '(no name)'), cell(row.type), state, cell(row.priority), cell(String(row.fileCount), 'num'));
      tr.addEventListener('click', () => onSelect(row));
      tr.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') onSelect(row);
      });
      return tr;
    }),
  );
  $('job-count').textContent = String(rows.length);
  $('jobs-empty').hidden = rows.length > 0;
}

function describeProgress({ bytesTotal, bytesTransferred, filesTotal, filesTransferred }) {
  const bytes =
    bytesTotal === SIZE_UNKNOWN
      ? `${bytesTransferred} bytes (total unknown)`
      : `${bytesTransferred} of ${bytesTotal} bytes`;
  return `${filesTransferred} of ${filesTotal} files, ${bytes}`;
}

/** The details panel for one job snapshot (with files), or hidden for null. */
export function renderDetails(job) {
  const panel = $('details');
  panel.hidden = job === null;
  if (job === null) return;
  const final = isFinal(job.state);
  panel.dataset.guid = job.guid;
  $('details-name').textContent = job.name || '(no name)';
  const state = $('details-state');
  state.className = `badge state-${job.state}`;
  state.textContent = job.state;
  $('details-guid').textContent = job.guid;
  $('details-type').textContent = job.type;
  $('details-progress').textContent = describeProgress(job.progress);
  $('details-final').hidden = !final;
  $('details-priority').value = job.priority;
  // Keep what the user is typing unless the job's description changed.
  const description = $('details-description');
  if (description.dataset.guid !== job.guid || description.dataset.saved !== job.description) {
    description.value = job.description;
    description.dataset.guid = job.guid;
    description.dataset.saved = job.description;
  }
  $('files-body').replaceChildren(
    ...job.files.map((file) => {
      const tr = document.createElement('tr');
      tr.append(cell(file.remoteName, 'path'), cell(file.localName, 'path'));
      return tr;
    }),
  );
  $('files-empty').hidden = job.files.length > 0;
  for (const control of panel.querySelectorAll('button, select, textarea, input')) control.disabled = final;
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

/** Adds a line to the activity log (newest first, the last 12 kept). */
export function logActivity(text, kind = 'ok') {
  const list = $('log');
  const item = document.createElement('li');
  item.className = `log-${kind}`;
  item.textContent = text;
  list.prepend(item);
  while (list.children.length > 12) list.lastElementChild.remove();
}

export function renderStatus(text, kind) {
  const status = $('status');
  status.textContent = text;
  status.className = `status status-${kind}`;
}
