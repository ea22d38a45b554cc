// The engine host's file layer on Node (node:fs): temporary files written in
// place at their paths, renamed to their local names at `commit`, deleted at
// `discard` — what host/service/src/actions.rs does for the Rust host.

import { open, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { LocalIoError } from '../public/engine/transfer.js';

const localIo = (path, error) => new LocalIoError(`${path}: ${error.message}`);

function checkedPath(path) {
  if (!isAbsolute(path)) throw new LocalIoError(`${path}: not an absolute path`);
  return path;
}

/** A temporary file opened for writing: `size` is what it holds now. */
async function openTemporary(temporaryName, localName) {
  checkedPath(localName);
  const path = checkedPath(temporaryName);
  let handle;
  try {
    // 'a+' would ignore positions; open without truncating, creating if needed.
    handle = await open(path, 'r+').catch((error) => (error.code === 'ENOENT' ? open(path, 'w+') : Promise.reject(error)));
    const { size } = await handle.stat();
    // Writes append: the transfer truncates to its offset, then writes on.
    let position = size;
    return {
      size: BigInt(size),
      truncate: async (length) => {
        await handle.truncate(Number(length)).catch((error) => Promise.reject(localIo(path, error)));
        position = Number(length);
      },
      write: async (bytes) => {
        await handle.write(bytes, 0, bytes.length, position).catch((error) => Promise.reject(localIo(path, error)));
        position += bytes.length;
      },
      flush: () => handle.datasync().catch((error) => Promise.reject(localIo(path, error))),
      close: () => handle.close(),
    };
  } catch (error) {
    await handle?.close().catch(() => {});
    throw error instanceof LocalIoError ? error : localIo(path, error);
  }
}

const exists = (path) => stat(path).then(() => true, () => false);

/** Renames each temporary file to its local name; a temporary gone while the local file is there was already committed. */
async function commit(moves) {
  const errors = [];
  for (const { temporaryName, localName } of moves) {
    try {
      if (!(await exists(temporaryName))) {
        if (!(await exists(localName))) {
          errors.push({ path: temporaryName, reason: 'the temporary file is gone and the local file is not there' });
        }
        continue;
      }
      await rename(temporaryName, localName);
    } catch (error) {
      errors.push({ path: localName, reason: error.message });
    }
  }
  return errors;
}

/** Deletes temporary files; one already gone is fine. */
async function discard(names) {
  const errors = [];
  for (const name of names) {
    await rm(name, { force: true }).catch((error) => errors.push({ path: name, reason: error.message }));
  }
  return errors;
}

export const nodeFiles = Object.freeze({ open: openTemporary, commit, discard });
