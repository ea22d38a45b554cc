// The page's secret store (contract §15.2, engine/secrets.js): credentials
// and write-only custom headers, kept out of the IndexedDB journal and never
// stored in clear.
//
// Choice: each secret is encrypted with AES-GCM under one key that WebCrypto
// made non-extractable, and both live in IndexedDB (a database of their own,
// `bits-queue-secrets`). The key object can be stored (IndexedDB clones
// CryptoKeys) but no script can ever read its bytes, so nothing this origin
// runs (a devtools dump, an export of the databases, a page bug) can show a
// secret; only this origin's WebCrypto can decrypt, and only to send it.
// Each ciphertext is bound to its (job, slot) as additional data, so a
// record moved to another slot does not decrypt. Kept in memory only, a
// reload (which the page survives by design) would lose every credential;
// encrypted, the secrets last as long as the jobs, as in the other hosts.
// What this does not do: the browser keeps the key's bytes in the
// profile's files, readable by the profile's owner, as the Node host's
// owner-only files are by theirs.

const DATABASE = 'bits-queue-secrets';
const KEYS = 'keys';
const SECRETS = 'secrets';
const KEY_NAME = 'aes-gcm';

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
    req.result.createObjectStore(KEYS);
    req.result.createObjectStore(SECRETS);
  };
  return request(req);
}

const recordKey = (guid, slot) => `${guid} ${slot}`;
const guidOf = (key) => key.split(' ')[0];

export function indexedDbSecrets({ name = DATABASE } = {}) {
  const db = openDatabase(name);
  let key = null;

  /** The store's key: made once, non-extractable, kept in IndexedDB. */
  async function theKey() {
    if (key) return key;
    const read = (await db).transaction(KEYS, 'readonly');
    let stored = await request(read.objectStore(KEYS).get(KEY_NAME));
    if (!stored) {
      const made = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
      const write = (await db).transaction(KEYS, 'readwrite');
      // `add`: a key another tab stored first wins, and is read back.
      write.objectStore(KEYS).add(made, KEY_NAME);
      await done(write).catch(() => {});
      stored = await request((await db).transaction(KEYS, 'readonly').objectStore(KEYS).get(KEY_NAME));
    }
    if (!(stored instanceof CryptoKey) || stored.extractable) throw new Error('the secret store\'s key is not a non-extractable CryptoKey');
    key = stored;
    return key;
  }

  async function seal(id, secret) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = new TextEncoder().encode(JSON.stringify(secret));
    const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(id) }, await theKey(), plain);
    return { iv, data };
  }

  async function open(id, sealed) {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv, additionalData: new TextEncoder().encode(id) }, await theKey(), sealed.data);
    return JSON.parse(new TextDecoder().decode(plain));
  }

  return {
    /** Carries out plain ops (engine/secrets.js) in order, in one transaction. */
    async apply(ops) {
      const sealed = [];
      for (const op of ops) {
        const id = recordKey(op.guid, op.slot);
        sealed.push(op.type === 'put' ? { id, value: await seal(id, { userName: op.userName, value: op.value }) } : { id });
      }
      const tx = (await db).transaction(SECRETS, 'readwrite');
      for (const { id, value } of sealed) {
        if (value) tx.objectStore(SECRETS).put(value, id);
        else tx.objectStore(SECRETS).delete(id);
      }
      await done(tx);
    },
    async get(guid, slot) {
      const id = recordKey(guid, slot);
      const stored = await request((await db).transaction(SECRETS, 'readonly').objectStore(SECRETS).get(id));
      return stored ? open(id, stored) : undefined;
    },
    async forget(guid) {
      const tx = (await db).transaction(SECRETS, 'readwrite');
      tx.objectStore(SECRETS).delete(IDBKeyRange.bound(`${guid} `, `${guid} \uffff`));
      await done(tx);
    },
    async keepOnly(guids) {
      const wanted = new Set(guids);
      const tx = (await db).transaction(SECRETS, 'readwrite');
      const store = tx.objectStore(SECRETS);
      for (const id of await request(store.getAllKeys())) if (!wanted.has(guidOf(id))) store.delete(id);
      await done(tx);
    },
  };
}
