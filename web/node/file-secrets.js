// The Node host's secret store (contract §15.2): a directory beside the
// journal, `JOURNAL.secrets` (mode 0700), one file per job (mode 0600)
// holding its slots as JSON, replaced whole (written beside it, then
// renamed). Readable by the process's user only, and never part of the
// journal, which holds only which slots a job has set.

import { chmod, mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

const FORMAT = 'bits-queue secrets 1';
/** A job's file is named by its GUID in registry form: nothing else is read or deleted. */
const GUID_FILE = /^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$/;

export function fileSecrets(journalPath) {
  const directory = `${journalPath}.secrets`;
  let made = false;
  // Writes run one after another: a job's file is read, changed and replaced whole.
  let writing = Promise.resolve();
  const serial = (work) => {
    const next = writing.catch(() => {}).then(work);
    writing = next;
    return next;
  };

  const fileOf = (guid) => {
    if (!GUID_FILE.test(guid)) throw new Error(`not a job GUID: ${guid}`);
    return join(directory, guid);
  };

  async function ensureDirectory() {
    if (made) return;
    await mkdir(directory, { mode: 0o700, recursive: true });
    // A directory made before (or under a loose umask) is closed to others too.
    await chmod(directory, 0o700);
    made = true;
  }

  async function read(guid) {
    let text;
    try {
      text = await readFile(fileOf(guid), 'utf8');
    } catch (error) {
      if (error.code === 'ENOENT') return {};
      throw new Error(`cannot read the secrets of ${guid}: ${error.code ?? error.message}`);
    }
    const stored = JSON.parse(text);
    if (stored?.format !== FORMAT) throw new Error(`the secrets of ${guid} are not a "${FORMAT}" file`);
    return stored.slots;
  }

  async function write(guid, slots) {
    const path = fileOf(guid);
    if (Object.keys(slots).length === 0) return rm(path, { force: true });
    await ensureDirectory();
    const staging = `${path}.new`;
    // Created 0600 (never wider, whatever the umask), synced, then renamed over.
    const handle = await open(staging, 'w', 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(JSON.stringify({ format: FORMAT, slots }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(staging, path);
  }

  return {
    directory,
    /** Carries out plain ops (engine/secrets.js) in order, each job's file replaced once. */
    apply: (ops) =>
      serial(async () => {
        const jobs = new Map();
        for (const op of ops) {
          if (!jobs.has(op.guid)) jobs.set(op.guid, await read(op.guid));
          const slots = jobs.get(op.guid);
          if (op.type === 'put') slots[op.slot] = { userName: op.userName, value: op.value };
          else delete slots[op.slot];
        }
        for (const [guid, slots] of jobs) await write(guid, slots);
      }),
    async get(guid, slot) {
      await writing.catch(() => {});
      return (await read(guid))[slot];
    },
    forget: (guid) => serial(() => rm(fileOf(guid), { force: true })),
    keepOnly: (guids) =>
      serial(async () => {
        const wanted = new Set(guids);
        let names;
        try {
          names = await readdir(directory);
        } catch (error) {
          if (error.code === 'ENOENT') return;
          throw error;
        }
        for (const name of names) {
          if (GUID_FILE.test(name) && !wanted.has(name)) await rm(join(directory, name), { force: true });
          // A staging file a crash left behind.
          if (name.endsWith('.new')) await rm(join(directory, name), { force: true });
        }
      }),
  };
}
