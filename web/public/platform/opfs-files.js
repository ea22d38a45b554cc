// The engine host's file layer in the page: the Origin Private File System,
// through opfs-worker.js (sync access handles exist only in a worker). Each
// call is one message; the worker answers them in order.

import { LocalIoError } from '../engine/transfer.js';

/** Bytes sent to the worker and not yet written, at most (then a write waits). */
const WRITES_IN_FLIGHT = 8 * 1024 * 1024;

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
    // Writes are sent without waiting for each (the worker takes its
    // messages in order, so a flush answers after every write before it):
    // the fetch goes on reading while the worker writes. Up to
    // WRITES_IN_FLIGHT bytes may be on their way; a failed write fails the
    // next write, truncate or flush, so nothing is reported that is not in
    // the file.
    let inFlight = 0;
    let failed = null;
    const check = () => {
      if (failed) throw failed;
    };
    return {
      size: BigInt(size),
      truncate: async (length) => {
        check();
        await call('truncate', [id, Number(length)]);
        position = Number(length);
      },
      /** Hands `bytes` over: its buffer is moved to the worker when the view covers all of it, else copied. */
      write: async (bytes) => {
        check();
        const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
        const owned = whole ? bytes : bytes.slice();
        const length = owned.byteLength;
        const at = position;
        position += length;
        inFlight += length;
        const written = call('write', [id, owned.buffer, at], [owned.buffer]).then(
          () => (inFlight -= length),
          (error) => {
            inFlight -= length;
            failed ??= error;
          },
        );
        if (inFlight > WRITES_IN_FLIGHT) await written;
        check();
      },
      flush: async () => {
        await call('flush', [id]);
        check();
      },
      close: () => call('close', [id]),
    };
  }

  return {
    open,
    commit: (moves) => call('commit', [moves.map(({ temporaryName, localName }) => ({ temporaryName, localName }))]),
    discard: (names) => call('discard', [[...names]]),
    call,
    /** The stored file at `path` as a File, or null. */
    read: (path) => call('read', [path]),
    /** Every stored path. */
    list: () => call('list'),
    /** Copies the picked `file` to `path` (an upload's local file). */
    store: (path, file) => call('store', [path, file]),
  };
}

/**
 * The engine host's sources layer in the page (engine/upload.js): an
 * upload's local file is a copy in OPFS of the file the person picked
 * (files.store), read through the same worker.
 */
export function opfsSources(files) {
  return {
    async open(localName) {
      return {
        snapshot: async () => {
          const { size, validator } = await files.call('sourceInfo', [localName]);
          return { size: BigInt(size), validator };
        },
        read: async (offset, count) => new Uint8Array(await files.call('sourceRead', [localName, Number(offset), Number(count)])),
        close: async () => {},
      };
    },
  };
}
