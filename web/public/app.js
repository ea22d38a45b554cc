// The job-queue console: wires the page's forms and buttons to the bits:queue
// component that jco transpiled into /generated/. One tab of the origin hosts
// the engine (engine/host.js: downloads into the Origin Private File System,
// the queue kept in IndexedDB, so a reload carries on); the others follow it
// and send it their changing calls (tabs/engine-link.js). Every tab reads
// the queue from its own instance of the component, kept in step.
//
// Handles: the page keeps one job-manager for its lifetime and at most one
// job handle, the selected job's. The list is a model (jobs-model.js) that
// re-reads only the jobs each batch of journal changes names, and the grid
// draws only the rows in view, so a download's progress costs the same with
// 300 jobs listed as with one.

import { wireConfirm } from './confirm.js';
import { describeQueueError } from './errors.js';
import { formatBytes } from './format.js';
import { JobsModel } from './jobs-model.js';
import { SIZE_UNKNOWN, dispose, snapshot } from './jobs.js';
import { indexedDbJournal } from './platform/idb-journal.js';
import { indexedDbSecrets } from './platform/idb-secrets.js';
import { opfsFiles, opfsSources } from './platform/opfs-files.js';
import { RateMeter } from './rate.js';
import { JobsGrid } from './jobs-grid.js';
import { logActivity, renderDetails, renderError, renderStatus, renderStoredFiles, shownName } from './render.js';
import { openEngineLink } from './tabs/engine-link.js';
import { wireTestFiles } from './test-downloads.js';
import { UPLOADS_DIR, uploadCopiesOf, wireUploadForm } from './upload-form.js';

const $ = (id) => document.getElementById(id);

/** The display name's limit (UTF-16 code units, as JavaScript counts string length). */
const MAX_NAME = 256;
const MAX_U32 = 0xffff_ffff;

let component;
let jobManager;
/** The jobs listed (jobs-model.js). */
let model;
let link;
let files;
const rates = new RateMeter();
/** The selected job: `{ handle, guid }`, or null. */
let selected = null;

/** Makes `handle` the selected job, disposing the handle it replaces. */
function select(handle) {
  if (selected?.handle !== handle) dispose(selected?.handle);
  selected = handle ? { handle, guid: component.types.guidToString(handle.getId()) } : null;
  cancelQuestion?.close();
  completeQuestion?.close();
}

const grid = new JobsGrid({
  scroller: $('jobs-scroll'),
  grid: $('jobs'),
  body: $('jobs-body'),
  onSelect: (row) =>
    look(`select ${row.guid}`, () => select(jobManager.getJob(row.id)), { quiet: true }).then(() =>
      // The details follow the list: bring them into view, however long the list.
      $('details').scrollIntoView({ block: 'nearest' }),
    ),
});

/** Selects the job with GUID text `guid` in this tab's instance. */
function selectGuid(guid) {
  select(jobManager.getJob(component.types.parseGuid(guid)));
}

let ticking = null;

/** Redraws the table from enum-jobs and the details from the selected handle. */
function refresh() {
  const { rows } = model;
  const now = performance.now();
  // Rates are kept for the jobs that move (and the selected one).
  const measured = new Set(selected ? [selected.guid] : []);
  for (const row of rows) {
    if (row.state !== 'transferring' && row.state !== 'connecting' && row.guid !== selected?.guid) continue;
    rates.sample(row.guid, row.progress.bytesTransferred, now);
    measured.add(row.guid);
  }
  rates.keepOnly(measured);
  grid.show(rows, selected?.guid ?? null);
  $('job-count').textContent = String(rows.length);
  $('jobs-empty').hidden = rows.length > 0;
  const details = selected ? snapshot(selected.handle, component.types, { withFiles: true }) : null;
  renderDetails(details, selected ? rates.rate(selected.guid) : null);
  // A job waiting to retry counts down its seconds.
  clearTimeout(ticking);
  if (details?.state === 'transient-error') ticking = setTimeout(refreshSoon, 1000);
}

/** Redraws at most once a frame (transfer reports arrive several times a second). */
let redrawing = false;
function refreshSoon() {
  if (redrawing) return;
  redrawing = true;
  // A hidden tab gets no animation frames, but may host the engine for the
  // others (and is read when shown again): it redraws on a timer instead.
  const later = document.hidden ? (draw) => setTimeout(draw, 100) : requestAnimationFrame;
  later(() => {
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
 * Runs one changing call (a queue-ops.js op) where the engine is hosted,
 * which carries out its file actions and stores the queue before this
 * resolves; resolves true when it was made, false when it was refused.
 */
function run(label, op, { quiet = false, result = () => null } = {}) {
  return act(label, async () => result(await link.call(op)), { quiet });
}

/** Runs a call that only reads this tab's instance (select, look up). */
function look(label, action, { quiet = false } = {}) {
  return act(label, action, { quiet });
}

/**
 * Runs one user action. A refusal from the queue shows its Windows name and
 * HRESULT; anything else (a trap: the component is unusable after one) is
 * shown as a failure. The view is redrawn either way.
 */
async function act(label, action, { quiet }) {
  let ok = false;
  try {
    const result = await action();
    ok = true;
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
  return ok;
}

/** Lists the committed files in storage with save links (blob: URLs, released at the next listing). */
let storedUrls = [];
async function refreshStoredFiles() {
  // Temporary files and the copies of files being uploaded are not downloads.
  const paths = (await files.list()).filter((path) => !/\/BIT[0-9A-F]+\.tmp$/i.test(path) && !path.startsWith(UPLOADS_DIR));
  const entries = [];
  for (const path of paths) {
    const file = await files.read(path);
    if (file) entries.push({ path, url: URL.createObjectURL(file) });
  }
  storedUrls.forEach((url) => URL.revokeObjectURL(url));
  storedUrls = entries.map((entry) => entry.url);
  renderStoredFiles(entries, (path) => act(`delete ${path}`, () => link.removeFile(path), { quiet: false }).then(refreshStoredFilesSoon));
}

/**
 * An upload job of a picked file: created with its file (a copy in OPFS
 * named after the job), the copy stored, then resumed. A copy that cannot
 * be stored cancels the job. Resolves true once the job runs.
 */
async function startUpload({ name, remote, local, copy }) {
  let guid = null;
  const created = await run(`upload ${name}`, { create: [name, 'upload'] }, { quiet: true, result: (made) => (guid = made) });
  if (!created) return false;
  const path = local(guid);
  const calls = [
    ['addFile', remote, path],
    // The shortest retry the queue allows, so a dropped connection resumes in seconds.
    ['setMinimumRetryDelay', 5],
  ];
  let ok = await run(`upload ${name} to ${remote}`, { guid, calls }, { result: () => (selectGuid(guid), guid) });
  if (ok) {
    try {
      await copy(path);
    } catch (error) {
      logActivity(`upload ${name}: the file could not be kept in this page's storage: ${error.message}`, 'error');
      ok = false;
    }
  }
  if (!ok) {
    await run(`cancel ${guid}`, { guid, calls: [['cancel']] }, { quiet: true });
    return false;
  }
  return run(`resume ${guid}`, { guid, calls: [['resume']] }, { quiet: true });
}

/** Deletes the OPFS copies read by upload jobs that left the queue (the hosting tab only: the files have one writer). */
async function removeUploadCopies(changes) {
  const gone = changes.filter((change) => change.tag === 'remove').map((change) => component.types.guidToString(change.val));
  if (gone.length === 0 || link.role() !== 'host') return;
  for (const path of uploadCopiesOf(await files.list(), gone)) await link.removeFile(path);
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
    run(label, { create: [text, type] }, {
      result: (guid) => {
        selectGuid(guid);
        name.value = '';
        count();
        return guid;
      },
    });
  });
}

/** The files a complete would not deliver: a download job's files that have not fully arrived. */
function filesLost(job) {
  if (job.type !== 'download') return [];
  return job.files
    .map((file, index) => ({ file, progress: job.fileProgress[index] }))
    .filter(({ progress }) => !progress?.completed)
    .map(({ file, progress }) => {
      const total = progress && progress.bytesTotal !== SIZE_UNKNOWN ? ` of ${formatBytes(progress.bytesTotal)}` : '';
      return `${file.localName} (${formatBytes(progress?.bytesTransferred ?? 0n)}${total} arrived)`;
    });
}

const selectedWithFiles = () => snapshot(selected.handle, component.types, { withFiles: true });

/** Completes the selected job; says which files it did not deliver (BITS's BG_S_PARTIAL_COMPLETE). */
async function completeSelected() {
  const guid = selected.guid;
  const lost = filesLost(selectedWithFiles());
  if (await run(`complete ${guid}`, { guid, calls: [['complete']] }, { quiet: lost.length > 0 })) {
    if (lost.length > 0) {
      logActivity(`complete ${guid}: BG_S_PARTIAL_COMPLETE, ${lost.length} file(s) not delivered, what arrived deleted: ${lost.join(', ')}`, 'error');
    }
  }
  await refreshStoredFiles().catch((error) => logActivity(`list files: ${error.message}`, 'error'));
}

let cancelQuestion;
let completeQuestion;

function wireDetails() {
  for (const button of document.querySelectorAll('[data-action]')) {
    const verb = button.dataset.action;
    button.addEventListener('click', () => {
      if (selected) run(`${verb} ${selected.guid}`, { guid: selected.guid, calls: [[verb]] });
    });
  }
  // Cancelling deletes what arrived: it asks first.
  cancelQuestion = wireConfirm({
    box: $('cancel-confirm'),
    yes: $('cancel-yes'),
    no: $('cancel-no'),
    onYes: () => selected && run(`cancel ${selected.guid}`, { guid: selected.guid, calls: [['cancel']] }),
  });
  $('cancel-job').addEventListener('click', (event) => {
    completeQuestion.close();
    cancelQuestion.open(event.currentTarget);
  });
  // So does completing while files have not fully arrived, naming them.
  completeQuestion = wireConfirm({
    box: $('complete-confirm'),
    yes: $('complete-yes'),
    no: $('complete-no'),
    onYes: () => selected && completeSelected(),
  });
  $('complete-job').addEventListener('click', (event) => {
    if (!selected) return;
    const lost = filesLost(selectedWithFiles());
    if (lost.length === 0) return completeSelected();
    $('complete-lost').replaceChildren(
      ...lost.map((text) => {
        const item = document.createElement('li');
        item.textContent = text;
        return item;
      }),
    );
    cancelQuestion.close();
    completeQuestion.open(event.currentTarget);
  });

  $('priority-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const priority = $('details-priority').value;
    if (selected) run(`set priority ${priority}`, { guid: selected.guid, calls: [['setPriority', priority]] });
  });

  $('description-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const description = $('details-description').value;
    if (selected) run('set description', { guid: selected.guid, calls: [['setDescription', description]] });
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
    run(
      `set retry delay ${delay} s, no-progress timeout ${timeout} s`,
      { guid: selected.guid, calls: [['setMinimumRetryDelay', delay], ['setNoProgressTimeout', timeout]] },
    );
  });

  $('notify-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!selected) return;
    let flags = 0;
    for (const box of document.querySelectorAll('#notify-form input[type=checkbox]')) if (box.checked) flags |= Number(box.value);
    run(`set notify flags 0x${flags.toString(16)}`, { guid: selected.guid, calls: [['setNotifyFlags', flags]] });
  });

  // Credentials and headers (contract §15.1–§15.2): the secret goes to the
  // hosting tab's secret store (encrypted, never in the journal) and is
  // never logged; the log names the scheme or the header's name only.
  $('credentials-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!selected) return;
    const scheme = $('credentials-scheme').value;
    const secret = $('credentials-secret');
    const userName = scheme === 'basic' ? $('credentials-user').value : '';
    const call =
      secret.value === ''
        ? ['removeCredentials', 'server', scheme]
        : ['setCredentials', { target: 'server', scheme, userName, password: secret.value }];
    const label = secret.value === '' ? `remove server ${scheme} credentials` : `set server ${scheme} credentials`;
    secret.value = '';
    run(label, { guid: selected.guid, calls: [call] });
  });

  $('header-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!selected) return;
    const line = $('header-line');
    const text = line.value.trim();
    const writeOnly = $('header-write-only').checked;
    const calls = [['setCustomHeaders', text === '' ? undefined : `${text}\r\n`]];
    if (writeOnly && text !== '') calls.push(['makeCustomHeadersWriteOnly']);
    const name = text.split(':')[0].trim();
    const label = text === '' ? 'remove custom headers' : `set custom header ${name}${writeOnly ? ' (write-only)' : ''}`;
    line.value = '';
    run(label, { guid: selected.guid, calls });
  });

  $('file-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const remote = $('file-remote').value.trim();
    const local = $('file-local').value.trim();
    if (!selected) return;
    run(`add file ${remote}`, { guid: selected.guid, calls: [['addFile', remote, local]] }, {
      result: () => {
        $('file-remote').value = '';
        $('file-local').value = '';
        return null;
      },
    });
  });
}

function wireForms() {
  wireCreateForm();
  wireDetails();
  $('lookup-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('lookup-guid').value.trim();
    look(`look up ${text}`, () => {
      const id = component.types.parseGuid(text);
      select(jobManager.getJob(id));
      return `found "${shownName(selected.handle.getDisplayName())}"`;
    });
  });
  $('error-dismiss').addEventListener('click', () => renderError(null));
  // Release the handles with the page rather than waiting for the collector
  // (unless the page is kept in the back/forward cache and may come back).
  window.addEventListener('pagehide', (event) => {
    if (event.persisted) return;
    link?.close();
    select(null);
    dispose(jobManager);
  });
}

/** Whether this tab hosts the engine, in the status line. */
function showRole(role) {
  document.body.dataset.role = role;
  if (document.body.dataset.ready === 'true') renderStatus(readyText(role), 'ready');
}

const readyText = (role) =>
  role === 'host'
    ? 'Ready · downloads run in this tab and survive a reload'
    : 'Ready · downloads run in another tab of this page';

/** Refreshes the saved files' list at most once at a time. */
let listingFiles = null;
function refreshStoredFilesSoon() {
  listingFiles ??= refreshStoredFiles()
    .catch((error) => logActivity(`list files: ${error.message}`, 'error'))
    .finally(() => (listingFiles = null));
}

/** The engine link's callbacks: redraws, and notifications in the activity log. */
const linkEvents = {
  role: showRole,
  changed: (changes) => {
    if (changes === null) model.reload();
    else model.apply(changes);
    refreshSoon();
    // A job left the queue: its files may have been committed (or deleted).
    if (changes?.some((change) => change.tag === 'remove')) {
      refreshStoredFilesSoon();
      removeUploadCopies(changes).catch((error) => logActivity(`delete an upload's copy: ${error.message}`, 'error'));
    }
  },
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
  filesChanged: refreshStoredFilesSoon,
  online: (retried) =>
    logActivity(`back online: ${retried.length === 0 ? 'nothing was waiting to retry' : `retrying ${retried.join(', ')} now`}`, 'notify'),
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
    jobManager = new component.manager.JobManager();
    model = new JobsModel(jobManager, component.types);
    model.reload();
    // Every tab reads the saved files; only the hosting tab writes any.
    files = opfsFiles();
    link = openEngineLink({
      component,
      jobManager,
      platform: () => ({
        files,
        sources: opfsSources(files),
        journal: indexedDbJournal({ guidToString: component.types.guidToString }),
        // Credentials and write-only headers: encrypted, never in the journal.
        secrets: indexedDbSecrets(),
      }),
      events: linkEvents,
    });
    await link.ready;
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
      run(
        `download ${name}`,
        {
          create: [name, 'download'],
          calls: [
            ['addFile', new URL(url, location.href).href, `/downloads/${name}`],
            // The shortest retry the queue allows, so a dropped connection resumes in seconds.
            ['setMinimumRetryDelay', 5],
            ['resume'],
          ],
        },
        { result: (guid) => (selectGuid(guid), guid) },
      ).then(() => $('details').scrollIntoView({ block: 'nearest' })),
    log: logActivity,
  });
  await wireUploadForm({ files, refuse, upload: startUpload });
  safely(refresh);
  await refreshStoredFiles().catch((error) => logActivity(`list files: ${error.message}`, 'error'));
  // The add-file example names this server, whatever its port.
  $('file-remote').placeholder = new URL('/files/1MiB.bin', location.href).href;
  $('controls').disabled = false;
  document.body.dataset.ready = 'true';
  renderStatus(readyText(link.role()), 'ready');
}

start();
