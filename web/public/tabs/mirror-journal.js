// The hosting tab's journal: IndexedDB (the platform's journal) plus a copy
// in memory of what it holds, so a tab that starts following gets the whole
// queue at once, and every saved batch of changes is passed on to the others
// (after it is stored, so a follower never sees more than the store holds).

const guidKey = ({ data1, data2, data3, data4 }) => `${data1}-${data2}-${data3}-${data4.join('.')}`;

/**
 * `inner`: { load, save }. `held()`: the ids of the jobs this tab's instance
 * already holds (it followed another host): those the store lacks are removed
 * at load. `saved(changes)`: called after each save, stored or not (the
 * instance changed either way).
 */
export function mirrorJournal(inner, { held = () => [], saved = () => {} } = {}) {
  const jobs = new Map(); // guidKey → put change
  let limits = null;

  const remember = (changes) => {
    for (const change of changes) {
      if (change.tag === 'put') jobs.set(guidKey(change.val.id), change);
      else if (change.tag === 'remove') jobs.delete(guidKey(change.val));
      else if (change.tag === 'limits') limits = change;
    }
  };

  return {
    async load() {
      const stored = await inner.load();
      remember(stored);
      const gone = held().filter((id) => !jobs.has(guidKey(id)));
      return [...stored, ...gone.map((id) => ({ tag: 'remove', val: id }))];
    },
    async save(changes) {
      try {
        return await inner.save(changes);
      } finally {
        remember(changes);
        if (changes.length > 0) saved(changes);
      }
    },
    /** The whole queue as changes for `apply`: the limits, then every job. */
    snapshot() {
      return [...(limits ? [limits] : []), ...jobs.values()];
    },
  };
}
