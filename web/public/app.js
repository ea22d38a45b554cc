// The job-queue console: wires the page's forms and buttons to the bits:queue
// component that jco transpiled into /generated/.
//
// Handles: the page keeps one job-manager for its lifetime and at most one
// job handle, the selected job's. The table is redrawn from enum-jobs after
// every action, and listJobs disposes every handle enum-jobs returns.

import { describeQueueError } from './errors.js';
import { dispose, listJobs, snapshot } from './jobs.js';
import { logActivity, renderDetails, renderError, renderJobs, renderStatus } from './render.js';

const $ = (id) => document.getElementById(id);

let component;
let jobManager;
/** The selected job: `{ handle, guid }`, or null. */
let selected = null;

/** Makes `handle` the selected job, disposing the handle it replaces. */
function select(handle) {
  if (selected?.handle !== handle) dispose(selected?.handle);
  selected = handle ? { handle, guid: component.types.guidToString(handle.getId()) } : null;
}

/** Redraws the table from enum-jobs and the details from the selected handle. */
function refresh() {
  const rows = listJobs(jobManager, component.types);
  renderJobs(rows, selected?.guid, (row) => run(`select ${row.guid}`, () => select(jobManager.getJob(row.id)), { quiet: true }));
  renderDetails(selected ? snapshot(selected.handle, component.types, { withFiles: true }) : null);
}

/**
 * Runs one user action. A refusal from the queue shows its Windows name and
 * HRESULT; anything else (a trap: the component is unusable after one) is
 * shown as a failure. The view is redrawn either way.
 */
function run(label, action, { quiet = false } = {}) {
  try {
    const result = action();
    renderError(null);
    if (!quiet) logActivity(result ? `${label}: ${result}` : label);
  } catch (error) {
    const refusal = describeQueueError(error, component.types);
    if (refusal) {
      renderError({ ...refusal, text: `${label}: ${refusal.explanation}` });
      logActivity(`${label}: ${refusal.name} (${refusal.hex})`, 'error');
    } else {
      renderError({ name: 'Failure', text: `${label}: ${error.message}` });
      logActivity(`${label}: ${error.message}`, 'error');
      console.error(error);
    }
  }
  try {
    refresh();
  } catch (error) {
    renderStatus(`The component failed: ${error.message}`, 'failed');
    console.error(error);
  }
}

function wireForms() {
  $('create-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = $('create-name').value;
    const type = $('create-type').value;
    run(`create "${name}" (${type})`, () => {
      select(jobManager.createJob(name, type));
      $('create-name').value = '';
      return selected.guid;
    });
  });

  $('lookup-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('lookup-guid').value.trim();
    run(`look up ${text}`, () => {
      const id = component.types.parseGuid(text);
      select(jobManager.getJob(id));
      return `found "${selected.handle.getDisplayName()}"`;
    });
  });

  for (const button of document.querySelectorAll('[data-action]')) {
    const verb = button.dataset.action;
    button.addEventListener('click', () => {
      if (selected) run(`${verb} ${selected.guid}`, () => selected.handle[verb]());
    });
  }

  $('priority-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const priority = $('details-priority').value;
    if (selected) run(`set priority ${priority}`, () => selected.handle.setPriority(priority));
  });

  $('description-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const description = $('details-description').value;
    if (selected) run('set description', () => selected.handle.setDescription(description));
  });

  $('file-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const remote = $('file-remote').value.trim();
    const local = $('file-local').value.trim();
    if (!selected) return;
    run(`add file ${remote}`, () => {
      selected.handle.addFile(remote, local);
      $('file-remote').value = '';
      $('file-local').value = '';
    });
  });

  $('error-dismiss').addEventListener('click', () => renderError(null));
  // Release the handles with the page rather than waiting for the collector
  // (unless the page is kept in the back/forward cache and may come back).
  window.addEventListener('pagehide', (event) => {
    if (event.persisted) return;
    select(null);
    dispose(jobManager);
  });
}

async function start() {
  try {
    component = await import('/generated/bits-queue.js');
  } catch (error) {
    renderStatus(`Could not load the component (${error.message}). Run \`npm run build\` in web/ and reload.`, 'failed');
    console.error(error);
    return;
  }
  jobManager = new component.manager.JobManager();
  const { maxJobs, maxFilesPerJob } = component.manager.getLimits();
  $('limits').textContent = `limits: ${maxJobs} jobs, ${maxFilesPerJob} files per job`;
  wireForms();
  refresh();
  renderStatus('Ready · GUIDs from crypto.getRandomValues', 'ready');
  document.body.dataset.ready = 'true';
}

start();
