// The engine host's journal in the page: IndexedDB, one record per job (the
// component's bytes, untouched) and the limits. Each save applies its
// changes in order in one IndexedDB transaction, after the save before it,
// so the stored queue is always one the component had.

const DATABASE = 'bits-queue';
const JOBS = 'jobs';
const META = 'meta';

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('the IndexedDB transaction was aborted'));
  });
}

function openDatabase(name) {
  const req = indexedDB.open(name, 1);
  req.onupgradeneeded = () => {
    req.result.createObjectStore(JOBS);
    req.result.createObjectStore(META);
  };
  return request(req);
}

export function indexedDbJournal({ guidToString, name = DATABASE }) {
  const db = openDatabase(name);
  let saving = Promise.resolve();

  /** The stored queue as changes for `apply`: the limits, then every job's record. */
  async function load() {
    const tx = (await db).transaction([JOBS, META], 'readonly');
    const [records, limits] = await Promise.all([request(tx.objectStore(JOBS).getAll()), request(tx.objectStore(META).get('limits'))]);
    const changes = records.map(({ id, bytes }) => ({ tag: 'put', val: { id, bytes: new Uint8Array(bytes) } }));
    if (limits) changes.unshift({ tag: 'limits', val: limits });
    return changes;
  }

  async function write(changes) {
    const tx = (await db).transaction([JOBS, META], 'readwrite');
    const jobs = tx.objectStore(JOBS);
    for (const change of changes) {
      if (change.tag === 'put') jobs.put({ id: change.val.id, bytes: change.val.bytes }, guidToString(change.val.id));
      else if (change.tag === 'remove') jobs.delete(guidToString(change.val));
      else if (change.tag === 'limits') tx.objectStore(META).put(change.val, 'limits');
    }
    await done(tx);
  }

  /** Stores `changes` after the saves before it; a failed save fails its caller only. */
  function save(changes) {
    if (changes.length === 0) return saving.catch(() => {});
    saving = saving.catch(() => {}).then(() => write(changes));
    return saving;
  }

  /** Forgets the stored queue (the page's "clear" button). */
  async function clear() {
    await saving.catch(() => {});
    const tx = (await db).transaction([JOBS, META], 'readwrite');
    tx.objectStore(JOBS).clear();
    tx.objectStore(META).clear();
    await done(tx);
  }

  return { load, save, clear };
}
