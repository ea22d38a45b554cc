// The job-queue console: wires the page's forms and buttons to the bits:queue
// component that jco transpiled into /generated/, with an engine host
// (engine/host.js) that downloads in the background into the Origin Private
// File System and keeps the queue in IndexedDB, so a reload carries on.
//
// Handles: the page keeps one job-manager for its lifetime and at most one
// job handle, the selected job's. The table is redrawn from enum-jobs after
// every action and transfer report, and listJobs disposes every handle
// enum-jobs returns.

import { EngineHost } from './engine/host.js';
import { describeQueueError } from './errors.js';
import { dispose, listJobs, snapshot } from './jobs.js';
import { indexedDbJournal } from './platform/idb-journal.js';
import { opfsFiles } from './platform/opfs-files.js';
import { RateMeter } from './rate.js';
import { logActivity, renderDetails, renderError, renderJobs, renderStatus, renderStoredFiles, shownName } from './render.js';
import { wireTestFiles } from './test-downloads.js';

const $ = (id) => document.getElementById(id);

/** The display name's limit (UTF-16 code units, as JavaScript counts string length). */
const MAX_NAME = 256;
const MAX_U32 = 0xffff_ffff;

let component;
let jobManager;
let host;
let files;
const rates = new RateMeter();
/** The selected job: `{ handle, guid }`, or null. */
let selected = null;

/** Makes `handle` the selected job, disposing the handle it replaces. */
function select(handle) {
  if (selected?.handle !== handle) dispose(selected?.handle);
  selected = handle ? { handle, guid: component.types.guidToString(handle.getId()) } : null;
  $('cancel-confirm').hidden = true;
}

/** Redraws the table from enum-jobs and the details from the selected handle. */
function refresh() {
  const rows = listJobs(jobManager, component.types);
  const now = performance.now();
  for (const row of rows) rates.sample(row.guid, row.progress.bytesTransferred, now);
  rates.keepOnly(new Set(rows.map((row) => row.guid)));
  renderJobs(rows, selected?.guid, (row) => {
    run(`select ${row.guid}`, () => select(jobManager.getJob(row.id)), { quiet: true, changes: false }).then(() =>
      // The details follow the table: bring them into view, however long the table.
      $('details').scrollIntoView({ block: 'nearest' }),
    );
  });
  renderDetails(selected ? snapshot(selected.handle, component.types, { withFiles: true }) : null, selected ? rates.rate(selected.guid) : null);
}

/** Redraws at most once a frame (transfer reports arrive several times a second). */
let redrawing = false;
function refreshSoon() {
  if (redrawing) return;
  redrawing = true;
  requestAnimationFrame(() => {
    redrawing = false;
    safely(refresh);
  });
}

function safely(draw) {
  try {
    draw();
  } catch (error) {
    renderStatus(`The component failed: ${error.message}`, 'failed');
    console.error(error);
  }
}

/** Shows a refusal the page made itself (bad input): nothing was called. */
function refuse(label, text) {
  renderError({ name: 'Refused', text: `${label}: ${text}` });
  logActivity(`${label}: ${text}`, 'error');
}

/**
 * Runs one user action. A changing one goes through the engine host, which
 * carries out its file actions and stores the queue before this resolves.
 * A refusal from the queue shows its Windows name and HRESULT; anything else
 * (a trap: the component is unusable after one) is shown as a failure. The
 * view is redrawn either way.
 */
async function run(label, action, { quiet = false, changes = true } = {}) {
  try {
    const result = changes ? await host.change(action) : action();
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
  safely(refresh);
}

/** Lists the committed files in storage with save links (blob: URLs, released at the next listing). */
let storedUrls = [];
async function refreshStoredFiles() {
  const paths = (await files.list()).filter((path) => !/\/BIT[0-9A-F]+\.tmp$/i.test(path));
  const entries = [];
  for (const path of paths) {
    const file = await files.read(path);
    if (file) entries.push({ path, url: URL.createObjectURL(file) });
  }
  storedUrls.forEach((url) => URL.revokeObjectURL(url));
  storedUrls = entries.map((entry) => entry.url);
  renderStoredFiles(entries);
}

/** A whole number of seconds for a u32 setting, or null. */
function seconds(text) {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value <= MAX_U32 ? value : null;
}

function wireCreateForm() {
  const name = $('create-name');
  const count = () => ($('create-name-count').textContent = String(name.value.length));
  name.addEventListener('input', count);
  $('create-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = name.value;
    const type = $('create-type').value;
    const label = `create "${text}" (${type})`;
    if (text.trim() === '') return refuse('create', 'a display name is required (a blank name is refused)');
    if (text.length > MAX_NAME) return refuse('create', `the display name is at most ${MAX_NAME} characters`);
    run(label, () => {
      select(jobManager.createJob(text, type));
      name.value = '';
      count();
      return selected.guid;
    });
  });
}

function wireDetails() {
  for (const button of document.querySelectorAll('[data-action]')) {
    const verb = button.dataset.action;
    button.addEventListener('click', async () => {
      if (!selected) return;
      await run(`${verb} ${selected.guid}`, () => selected.handle[verb]());
      if (verb === 'complete') await refreshStoredFiles().catch((error) => logActivity(`list files: ${error.message}`, 'error'));
    });
  }
  // Cancelling deletes what arrived: it asks first.
  $('cancel-job').addEventListener('click', () => {
    $('cancel-confirm').hidden = false;
    $('cancel-no').focus();
  });
  $('cancel-no').addEventListener('click', () => ($('cancel-confirm').hidden = true));
  $('cancel-yes').addEventListener('click', () => {
    $('cancel-confirm').hidden = true;
    if (selected) run(`cancel ${selected.guid}`, () => selected.handle.cancel());
  });

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

  $('retry-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!selected) return;
    const delay = seconds($('details-retry-delay').value);
    const timeout = seconds($('details-no-progress').value);
    // Both are checked before either is set, so bad input changes nothing.
    if (delay === null || timeout === null) {
      return refuse('set retry settings', `each is a whole number of seconds from 0 to ${MAX_U32}`);
    }
    run(`set retry delay ${delay} s, no-progress timeout ${timeout} s`, () => {
      selected.handle.setMinimumRetryDelay(delay);
      selected.handle.setNoProgressTimeout(timeout);
    });
  });

  $('notify-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!selected) return;
    let flags = 0;
    for (const box of document.querySelectorAll('#notify-form input[type=checkbox]')) if (box.checked) flags |= Number(box.value);
    run(`set notify flags 0x${flags.toString(16)}`, () => selected.handle.setNotifyFlags(flags));
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
}

function wireForms() {
  wireCreateForm();
  wireDetails();
  $('lookup-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('lookup-guid').value.trim();
    run(
      `look up ${text}`,
      () => {
        const id = component.types.parseGuid(text);
        select(jobManager.getJob(id));
        return `found "${shownName(selected.handle.getDisplayName())}"`;
      },
      { changes: false },
    );
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

/** The engine host's callbacks: redraws, and notifications in the activity log. */
const hostEvents = {
  turn: refreshSoon,
  notify: ({ job, guid, event }) => {
    let name = '';
    try {
      const handle = jobManager.getJob(job);
      name = ` "${shownName(handle.getDisplayName())}"`;
      dispose(handle);
    } catch {
      // The job left the queue; its GUID is enough.
    }
    logActivity(`notify ${event}:${name} ${guid}`, event === 'error' ? 'error' : 'notify');
  },
  fileError: ({ path, reason }) => logActivity(`file ${path}: ${reason}`, 'error'),
  error: (error) => {
    renderStatus(`The engine host failed: ${error.message}`, 'failed');
    console.error(error);
  },
};

async function start() {
  // No form of this page ever submits to the server (which would reload it):
  // each is handled here, or, until the component loads, disabled.
  document.addEventListener('submit', (event) => event.preventDefault(), { capture: true });
  try {
    component = await import('/generated/bits-queue.js');
  } catch (error) {
    renderStatus(`Could not load the component (${error.message}). Run \`npm run build\` in web/ and reload.`, 'failed');
    console.error(error);
    return;
  }
  try {
    files = opfsFiles();
    const journal = indexedDbJournal({ guidToString: component.types.guidToString });
    host = new EngineHost({ component, files, journal, events: hostEvents });
    jobManager = new component.manager.JobManager();
    await host.open();
  } catch (error) {
    renderStatus(`Could not open this page's storage (${error.message}); nothing was changed.`, 'failed');
    console.error(error);
    return;
  }
  const { maxJobs, maxFilesPerJob } = component.manager.getLimits();
  $('limits').textContent = `limits: ${maxJobs} jobs, ${maxFilesPerJob} files per job`;
  wireForms();
  wireTestFiles({
    download: (name, url) =>
      run(`download ${name}`, () => {
        const job = jobManager.createJob(name, 'download');
        select(job);
        job.addFile(new URL(url, location.href).href, `/downloads/${name}`);
        // The shortest retry the queue allows, so a dropped connection resumes in seconds.
        job.setMinimumRetryDelay(5);
        job.resume();
        return selected.guid;
      }).then(() => $('details').scrollIntoView({ block: 'nearest' })),
    log: logActivity,
  });
  safely(refresh);
  await refreshStoredFiles().catch((error) => logActivity(`list files: ${error.message}`, 'error'));
  $('controls').disabled = false;
  renderStatus('Ready · downloads run in this page and survive a reload', 'ready');
  document.body.dataset.ready = 'true';
}

start();
