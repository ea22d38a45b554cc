// The local files of uploads on Node (node:fs), read only where the host may
// read: when `allowRead` names directories, a file must resolve (symbolic
// links followed) to one of them or below, as the Rust service's
// `--allow-read` confines uploads and file:// sources. A file that may not
// be read is reported like a missing one, so nothing outside can be probed.
// The validator is `mtime:` and the modification time in nanoseconds
// (contract §14.2), the Rust host's form.

import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, sep } from 'node:path';
import { LocalIoError } from '../public/engine/transfer.js';

/** `allowRead` checked once: absolute directories that exist, resolved. */
export async function readableDirs(allowRead) {
  if (allowRead === undefined) return null;
  if (!Array.isArray(allowRead) || allowRead.some((dir) => typeof dir !== 'string' || !isAbsolute(dir))) {
    throw new TypeError('openQueue: allowRead must be an array of absolute directory paths');
  }
  return Promise.all(
    allowRead.map(async (dir) => {
      const resolved = await realpath(dir).catch((error) => {
        throw new TypeError(`openQueue: allowRead: ${dir}: ${error.message}`);
      });
      if (!(await stat(resolved)).isDirectory()) throw new TypeError(`openQueue: allowRead: ${dir} is not a directory`);
      return resolved;
    }),
  );
}

const within = (path, dirs) => dirs.some((dir) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep));

/** The sources layer of the engine host; `dirs` from readableDirs (null: anywhere). */
export function nodeSources(dirs) {
  return Object.freeze({
    async open(localName) {
      const refused = () => new LocalIoError(`${localName} does not exist or may not be read by this host`);
      if (!isAbsolute(localName)) throw refused();
      const path = await realpath(localName).catch(() => {
        throw refused();
      });
      if (dirs !== null && !within(path, dirs)) throw refused();
      const handle = await open(path, 'r').catch((error) => {
        throw new LocalIoError(`${localName}: ${error.message}`);
      });
      return {
        /** The size and validator now (of the path: a replaced file counts as changed). */
        snapshot: async () => {
          const info = await stat(path, { bigint: true }).catch((error) => {
            throw new LocalIoError(`${localName}: ${error.message}`);
          });
          return { size: info.size, validator: `mtime:${info.mtimeNs}` };
        },
        read: async (offset, count) => {
          const bytes = new Uint8Array(Number(count));
          const { bytesRead } = await handle.read(bytes, 0, bytes.length, Number(offset)).catch((error) => {
            throw new LocalIoError(`${localName}: ${error.message}`);
          });
          if (bytesRead !== bytes.length) throw new LocalIoError(`${localName}: ended after ${Number(offset) + bytesRead} bytes`);
          return bytes;
        },
        close: () => handle.close(),
      };
    },
  });
}
