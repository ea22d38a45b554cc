// The engine host's journal on Node: one JSON file holding every job's
// record (the component's bytes, base64) and the limits. Each save applies
// the changes in order and replaces the file whole (write beside it, then
// rename), so a crash leaves the old journal or the new one, never half.
// The file is the owner's only (0600); it holds no secret (node/file-secrets.js).

import { chmod, readFile, rename, writeFile } from 'node:fs/promises';

const FORMAT = 'bits-queue journal 1';

export function fileJournal(path, { guidToString }) {
  let jobs = new Map(); // GUID text → { id, bytes }
  let limits;
  let saving = Promise.resolve();

  async function load() {
    let text;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (error.code === 'ENOENT') return [];
      throw new Error(`cannot read the journal ${path}: ${error.message}`);
    }
    let stored;
    try {
      stored = JSON.parse(text);
    } catch (error) {
      throw new Error(`the journal ${path} is not JSON: ${error.message}`);
    }
    if (stored?.format !== FORMAT) throw new Error(`the journal ${path} is not a "${FORMAT}" file`);
    jobs = new Map(stored.jobs.map(({ id, bytes }) => [guidToString(id), { id, bytes: Buffer.from(bytes, 'base64') }]));
    limits = stored.limits ?? undefined;
    const changes = [...jobs.values()].map((record) => ({ tag: 'put', val: { id: record.id, bytes: new Uint8Array(record.bytes) } }));
    if (limits) changes.unshift({ tag: 'limits', val: limits });
    return changes;
  }

  async function write() {
    const body = JSON.stringify({
      format: FORMAT,
      limits,
      jobs: [...jobs.values()].map(({ id, bytes }) => ({ id, bytes: Buffer.from(bytes).toString('base64') })),
    });
    const staging = `${path}.new`;
    // Owner-only, whatever the umask: the queue is the user's business.
    await writeFile(staging, body, { mode: 0o600 });
    await chmod(staging, 0o600);
    await rename(staging, path);
  }

  /** Applies `changes` in order and stores the result; saves run one after another. */
  function save(changes) {
    if (changes.length === 0) return saving.catch(() => {});
    for (const change of changes) {
      if (change.tag === 'put') jobs.set(guidToString(change.val.id), { id: change.val.id, bytes: change.val.bytes });
      else if (change.tag === 'remove') jobs.delete(guidToString(change.val));
      else if (change.tag === 'limits') limits = change.val;
    }
    // A failed write fails its caller; the next save writes everything again.
    saving = saving.catch(() => {}).then(write);
    return saving;
  }

  return { load, save };
}
