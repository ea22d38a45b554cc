// Whether the jco bug that scripts/jco-fixups.js corrects is still there:
// this transpiles the component again with the installed jco, without the
// fixups, and disposes the handles of a `list<job>` one by one. While jco
// gets it wrong the second dispose throws and this test passes; when a jco
// release gets it right, this test fails: then delete jco-fixups.js (and this test).

import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transpile } from '@bytecodealliance/jco';

const webDir = fileURLToPath(new URL('..', import.meta.url));
// Under web/, so the module finds node_modules' preview2 shim.
const rawDir = join(webDir, 'test-artifacts', 'jco-raw');

test('jco still gives every element of a returned list<own<job>> the last element\'s dispose', async () => {
  const component = await readFile(join(webDir, 'generated', 'component.wasm')).catch(() => {
    throw new Error('web/generated/component.wasm is missing: run `npm run build` before `npm test`');
  });
  const { files } = await transpile(component, { name: 'bits-queue', quiet: true });
  await rm(rawDir, { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(rawDir, name)), { recursive: true });
    await writeFile(join(rawDir, name), bytes);
  }
  const { manager } = await import(pathToFileURL(join(rawDir, 'bits-queue.js')).href);
  const jobs = new manager.JobManager();
  jobs.createJob('first', 'download');
  jobs.createJob('second', 'download');
  const listed = jobs.enumJobs();
  assert.equal(listed.length, 2);
  listed[0][Symbol.dispose]();
  // Unfixed, the first dispose released the *second* job's handle.
  assert.throws(
    () => listed[1].getDisplayName(),
    TypeError,
    'jco now disposes each element of a list on its own: delete scripts/jco-fixups.js and this test',
  );
});
