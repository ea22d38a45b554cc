// The page's file worker: the Origin Private File System through sync access
// handles, which write in place (a main-thread createWritable() writes a swap
// copy that appears only on close, so a reload would lose every byte of a
// running download). Only a dedicated worker may open them.
//
// Paths are the queue's local and temporary names (absolute, `/` or `\`),
// mapped to directories under the OPFS root; `.` and `..` are refused.
// Messages: { id, op, args } → { id, value } or { id, error }. Uploads'
// local files (copies of the files a person picked) are read here too.

const handles = new Map();
let nextHandle = 1;

class LocalIo extends Error {}

function segments(path) {
  const parts = String(path).split(/[\\/]/).filter((part) => part !== '');
  if (parts.length === 0 || parts.some((part) => part === '.' || part === '..')) {
    throw new LocalIo(`${path}: not a path this page can store`);
  }
  return parts;
}

/** The directory holding `path` (created when `create`) and the file's name in it. */
async function place(path, create) {
  const parts = segments(path);
  let dir = await navigator.storage.getDirectory();
  for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create });
  return { dir, name: parts.at(-1) };
}

async function fileHandle(path) {
  try {
    const { dir, name } = await place(path, false);
    return await dir.getFileHandle(name);
  } catch (error) {
    if (error.name === 'NotFoundError' || error.name === 'TypeMismatchError') return null;
    throw error;
  }
}

/** A sync access handle; a page that just reloaded may still hold the old one for a moment. */
async function accessHandle(file) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await file.createSyncAccessHandle();
    } catch (error) {
      if (error.name !== 'NoModificationAllowedError' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function access(id) {
  const handle = handles.get(id);
  if (!handle) throw new LocalIo('the temporary file is closed');
  return handle;
}

const ops = {
  async open(path, localName) {
    // Refuse a local name this page could not store before touching anything.
    segments(localName);
    const { dir, name } = await place(path, true);
    const handle = await accessHandle(await dir.getFileHandle(name, { create: true }));
    const id = nextHandle++;
    handles.set(id, handle);
    return { id, size: handle.getSize() };
  },
  truncate(id, size) {
    access(id).truncate(size);
  },
  write(id, buffer, at) {
    const written = access(id).write(new Uint8Array(buffer), { at });
    if (written !== buffer.byteLength) throw new LocalIo(`wrote ${written} of ${buffer.byteLength} bytes (is the storage full?)`);
  },
  flush(id) {
    access(id).flush();
  },
  close(id) {
    handles.get(id)?.close();
    handles.delete(id);
  },
  /** Renames each temporary file to its local name (replacing it); errors are returned per file. */
  async commit(moves) {
    const errors = [];
    for (const { temporaryName, localName } of moves) {
      try {
        const temporary = await fileHandle(temporaryName);
        if (!temporary) {
          if (!(await fileHandle(localName))) {
            errors.push({ path: temporaryName, reason: 'the temporary file is gone and the local file is not there' });
          }
          continue;
        }
        const { dir, name } = await place(localName, true);
        await dir.removeEntry(name).catch((error) => {
          if (error.name !== 'NotFoundError') throw error;
        });
        await temporary.move(dir, name);
      } catch (error) {
        errors.push({ path: localName, reason: error.message });
      }
    }
    return errors;
  },
  /** Deletes temporary files; one already gone is fine. */
  async discard(names) {
    const errors = [];
    for (const path of names) {
      try {
        const { dir, name } = await place(path, false);
        await dir.removeEntry(name);
      } catch (error) {
        if (error.name !== 'NotFoundError') errors.push({ path, reason: error.message });
      }
    }
    return errors;
  },
  /** The stored file at `path` as a File (for a save link), or null. */
  async read(path) {
    const file = await fileHandle(path);
    return file ? file.getFile() : null;
  },
  /**
   * Copies `file` (a File the person picked) to `path`, replacing what is
   * there: an upload's local file, kept so a reload can resume the upload.
   */
  async store(path, file) {
    const { dir, name } = await place(path, true);
    const handle = await accessHandle(await dir.getFileHandle(name, { create: true }));
    try {
      handle.truncate(0);
      const step = 4 * 1024 * 1024;
      for (let at = 0; at < file.size; at += step) {
        const bytes = new Uint8Array(await file.slice(at, at + step).arrayBuffer());
        if (handle.write(bytes, { at }) !== bytes.length) throw new LocalIo(`${path}: the storage is full`);
      }
      handle.flush();
    } finally {
      handle.close();
    }
  },
  /** An upload's local file now: its size and `mtime:` validator (nanoseconds, from milliseconds). */
  async sourceInfo(path) {
    const file = await fileHandle(path);
    if (!file) throw new LocalIo(`${path} does not exist in this page's storage`);
    const { size, lastModified } = await file.getFile();
    return { size, validator: `mtime:${BigInt(lastModified) * 1_000_000n}` };
  },
  /** `count` bytes of an upload's local file from `offset`. */
  async sourceRead(path, offset, count) {
    const file = await fileHandle(path);
    if (!file) throw new LocalIo(`${path} does not exist in this page's storage`);
    const buffer = await (await file.getFile()).slice(offset, offset + count).arrayBuffer();
    if (buffer.byteLength !== count) throw new LocalIo(`${path}: ended after ${offset + buffer.byteLength} bytes`);
    return buffer;
  },
  /** Every stored file's path, `/`-separated. */
  async list() {
    const paths = [];
    const walk = async (dir, prefix) => {
      for await (const [name, entry] of dir.entries()) {
        if (entry.kind === 'directory') await walk(entry, `${prefix}/${name}`);
        else paths.push(`${prefix}/${name}`);
      }
    };
    await walk(await navigator.storage.getDirectory(), '');
    return paths.sort();
  },
};

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    if (!Object.hasOwn(ops, op)) throw new Error(`unknown file operation ${op}`);
    const value = await ops[op](...args);
    // Bytes read are moved to the page, not copied.
    self.postMessage({ id, value }, value instanceof ArrayBuffer ? [value] : []);
  } catch (error) {
    self.postMessage({ id, error: { message: error.message, name: error.name, local: true } });
  }
};
