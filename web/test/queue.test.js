// The transpiled component in Node: identity, errors and GUID text.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WINDOWS_NAMES, describeQueueError, errorCodeOf, formatHresult } from '../public/errors.js';
import { dispose } from '../public/jobs.js';
import { loadComponent } from './component.js';

const { manager, types } = await loadComponent();
const jobManager = new manager.JobManager();

const REGISTRY_FORM = /^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/;
// Valid text, version 4, but never issued by this queue.
const UNISSUED = '{0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F0}';

/** Runs `call`, which must be refused with `code`; returns the error. */
function refusal(call, code) {
  let caught;
  assert.throws(call, (error) => {
    caught = error;
    return true;
  });
  assert.equal(errorCodeOf(caught), code, `expected ${code}, got ${caught?.stack ?? caught}`);
  return caught;
}

test('create-job, get-id and get-job round trip', () => {
  const created = jobManager.createJob('Nightly backup', 'download');
  const id = created.getId();
  assert.equal(id.data3 >> 12, 4, 'a version-4 GUID');
  assert.equal(id.data4[0] >> 6, 0b10, 'the RFC 9562 variant');

  const found = jobManager.getJob(id);
  assert.notEqual(found, created, 'get-job gives a new handle');
  assert.deepEqual(found.getId(), id);
  assert.equal(found.getDisplayName(), 'Nightly backup');
  assert.equal(found.getType(), 'download');
  assert.equal(found.getState(), 'suspended');
  assert.equal(found.getPriority(), 'normal');

  // Both handles see the one job.
  created.setDescription('seen by every handle');
  assert.equal(found.getDescription(), 'seen by every handle');
  [created, found].forEach(dispose);
});

test('every job gets a different GUID', () => {
  const handles = Array.from({ length: 50 }, (_, i) => jobManager.createJob(`job ${i}`, 'upload'));
  const guids = new Set(handles.map((job) => types.guidToString(job.getId())));
  assert.equal(guids.size, handles.length);
  for (const job of handles) job.cancel();
  handles.forEach(dispose);
});

test('get-job of a GUID never issued is not-found, thrown as a ComponentError', () => {
  const error = refusal(() => jobManager.getJob(types.parseGuid(UNISSUED)), 'not-found');
  // jco's shape for a `result<_, error-code>` error: an Error whose payload
  // and message are the case name.
  assert.ok(error instanceof Error);
  assert.equal(error.constructor.name, 'ComponentError');
  assert.equal(error.payload, 'not-found');
  assert.equal(error.message, 'not-found');
  assert.deepEqual(describeQueueError(error, types), {
    code: 'not-found',
    name: 'BG_E_NOT_FOUND',
    hresult: 0x80200001,
    hex: '0x80200001',
    explanation: 'no job in the queue has that GUID',
  });

  const nil = { data1: 0, data2: 0, data3: 0, data4: [0, 0, 0, 0, 0, 0, 0, 0] };
  refusal(() => jobManager.getJob(nil), 'not-found');
});

test('a cancelled job is not-found, though its handle still reads it', () => {
  const job = jobManager.createJob('short-lived', 'download');
  const id = job.getId();
  job.cancel();
  refusal(() => jobManager.getJob(id), 'not-found');
  assert.equal(job.getState(), 'cancelled');
  refusal(() => job.resume(), 'invalid-state');
  dispose(job);
});

test('malformed arguments are invalid-argument (E_INVALIDARG, 0x80070057)', () => {
  const error = refusal(() => types.parseGuid('not a guid'), 'invalid-argument');
  assert.equal(describeQueueError(error, types).hex, '0x80070057');
  assert.equal(describeQueueError(error, types).name, 'E_INVALIDARG');

  refusal(() => jobManager.createJob('x'.repeat(257), 'download'), 'invalid-argument');
  const job = jobManager.createJob('files', 'download');
  refusal(() => job.addFile('ftp://example.com/a', '/tmp/a'), 'invalid-argument');
  refusal(() => job.addFile('https://example.com/a', 'relative/path'), 'invalid-argument');
  assert.equal(job.getProgress().filesTotal, 0, 'a refused call changes nothing');
  dispose(job);
});

test('other refusals carry their own codes', () => {
  const upload = jobManager.createJob('one file only', 'upload');
  refusal(() => upload.resume(), 'empty');
  upload.addFile('https://example.com/report', 'C:\\reports\\today.txt');
  refusal(() => upload.addFile('https://example.com/more', 'C:\\reports\\more.txt'), 'too-many-files');
  refusal(() => upload.setDescription('d'.repeat(1025)), 'string-too-long');
  refusal(() => upload.complete(), 'invalid-state');
  upload.cancel();
  dispose(upload);
});

test('hresult gives the contract table for every error-code', () => {
  const expected = {
    'not-found': 0x80200001,
    'invalid-state': 0x80200002,
    empty: 0x80200003,
    'invalid-argument': 0x80070057,
    'string-too-long': 0x80200021,
    'too-many-files': 0x8020001c,
    'too-many-files-in-job': 0x80200051,
    'too-many-jobs': 0x80200049,
  };
  assert.deepEqual(Object.keys(WINDOWS_NAMES), Object.keys(expected));
  for (const [code, hresult] of Object.entries(expected)) assert.equal(types.hresult(code), hresult, code);
  assert.equal(formatHresult(types.hresult('too-many-files')), '0x8020001C');
});

test('guid-to-string gives the registry form; parse-guid reads it back', () => {
  const known = {
    data1: 0x6b29fc40,
    data2: 0xca47,
    data3: 0x1067,
    data4: [0xb3, 0x1d, 0x00, 0xdd, 0x01, 0x06, 0x62, 0xda],
  };
  const text = '{6B29FC40-CA47-1067-B31D-00DD010662DA}';
  assert.equal(types.guidToString(known), text);
  assert.deepEqual(types.parseGuid(text), known);
  assert.deepEqual(types.parseGuid('6b29fc40-ca47-1067-b31d-00dd010662da'), known, 'no braces, lower case');

  const job = jobManager.createJob('round trip', 'download');
  const jobText = types.guidToString(job.getId());
  assert.match(jobText, REGISTRY_FORM);
  assert.deepEqual(types.parseGuid(jobText), job.getId());
  dispose(job);

  for (const bad of ['', '{6B29FC40-CA47-1067-B31D-00DD010662DA', ' {6B29FC40-CA47-1067-B31D-00DD010662DA}', '6B29FC40CA471067B31D00DD010662DA', '{6B29FC40-CA47-1067-B31D-00DD010662DG}']) {
    refusal(() => types.parseGuid(bad), 'invalid-argument');
  }
});
