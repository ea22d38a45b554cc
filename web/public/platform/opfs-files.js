// The engine host's file layer in the page: the Origin Private File System,
// through opfs-worker.js (sync access handles exist only in a worker). Each
// call is one message; the worker answers them in order.

import { LocalIoError } from '../engine/transfer.js';

export function opfsFiles() {
  const worker = new Worker(new URL('./opfs-worker.js', import.meta.url), { type: 'module' });
  const pending = new Map();
  let nextId = 1;
  worker.onmessage = ({ data: { id, value, error } }) => {
    const call = pending.get(id);
    pending.delete(id);
    if (error) call.reject(new LocalIoError(error.message));
    else call.resolve(value);
  };
  worker.onerror = (event) => {
    for (const call of pending.values()) call.reject(new LocalIoError(`the file worker failed: ${event.message}`));
    pending.clear();
  };
  const call = (op, args = [], transfer = []) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, args }, transfer);
    });

  async function open(temporaryName, localName) {
    const { id, size } = await call('open', [temporaryName, localName]);
    let position = size;
    return {
      size: BigInt(size),
      truncate: async (length) => {
        await call('truncate', [id, Number(length)]);
        position = Number(length);
      },
      write: async (bytes) => {
        // A copy the worker may own (fetch's chunks may share their buffer).
        const copy = bytes.slice();
        const at = position;
        // Moved before the await: the transfer detaches `copy` (its length reads 0 after).
        position += copy.length;
        await call('write', [id, copy.buffer, at], [copy.buffer]);
      },
      flush: () => call('flush', [id]),
      close: () => call('close', [id]),
    };
  }

  return {
    open,
    commit: (moves) => call('commit', [moves.map(({ temporaryName, localName }) => ({ temporaryName, localName }))]),
    discard: (names) => call('discard', [[...names]]),
    /** The stored file at `path` as a File, or null. */
    read: (path) => call('read', [path]),
    /** Every stored path. */
    list: () => call('list'),
  };
}
