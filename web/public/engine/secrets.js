// The JS hosts' secrets (contract §15.2): credentials and write-only custom
// headers never enter the journal. The component hands each one out once
// through `take-secret-ops`; the engine host carries the ops out in a
// secret store, keyed by (job GUID, slot), before it stores the call's
// changes, and forgets a job's secrets once its removal is stored.
//
// A secret store is { apply(ops), get(guid, slot) → { userName, value } |
// undefined, forget(guid), keepOnly(guids) }, every method async; `guid` is
// the registry-form text, `slot` a slot name below. Node keeps them in an
// owner-only directory beside the journal (node/file-secrets.js), the page
// encrypted in IndexedDB (platform/idb-secrets.js); `memorySecrets` keeps
// them for the life of the host only.

/** A slot's name: `server-basic`, `proxy-digest`, `server-bearer`, `custom-headers` (as the Rust host names them). */
export function slotName(slot) {
  if (slot.tag === 'custom-headers') return 'custom-headers';
  return `${slot.val.target}-${slot.val.scheme}`;
}

/** The ops as plain { type: 'put' | 'delete', guid, slot, userName?, value? }, in order. */
export function plainOps(ops, guidToString) {
  return ops.map((op) =>
    op.tag === 'put'
      ? { type: 'put', guid: guidToString(op.val.job), slot: slotName(op.val.slot), userName: op.val.userName, value: op.val.value }
      : { type: 'delete', guid: guidToString(op.val[0]), slot: slotName(op.val[1]) },
  );
}

/** A store in memory: secrets last as long as the host (a reload or restart forgets them). */
export function memorySecrets() {
  const kept = new Map(); // `${guid} ${slot}` → { userName, value }
  return {
    async apply(ops) {
      for (const op of ops) {
        if (op.type === 'put') kept.set(`${op.guid} ${op.slot}`, { userName: op.userName, value: op.value });
        else kept.delete(`${op.guid} ${op.slot}`);
      }
    },
    async get(guid, slot) {
      return kept.get(`${guid} ${slot}`);
    },
    async forget(guid) {
      for (const key of kept.keys()) if (key.startsWith(`${guid} `)) kept.delete(key);
    },
    async keepOnly(guids) {
      const wanted = new Set(guids);
      for (const key of kept.keys()) if (!wanted.has(key.split(' ')[0])) kept.delete(key);
    },
  };
}
