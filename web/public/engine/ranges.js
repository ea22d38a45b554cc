// File ranges (contract §16.4): a ranged file's temporary file holds its
// ranges packed one after another in the order given, so an order's offset
// counts packed bytes. The same arithmetic as the Rust side's
// `bits_queue_contract::ranges`, on the bigints jco gives for u64.

/** BG_LENGTH_TO_EOF: a range's length that runs to the remote end. */
export const LENGTH_TO_EOF = 0xffff_ffff_ffff_ffffn;

/** Whether `range` runs to the remote end. */
export const isToEof = (range) => range.length === LENGTH_TO_EOF;

/** The bytes `range` covers of a remote file of `size` bytes (undefined while unknown). */
function lengthIn(range, size) {
  if (!isToEof(range)) return range.length;
  if (size === undefined) return undefined;
  return size > range.offset ? size - range.offset : 0n;
}

/**
 * Where a transfer holding `packed` bytes goes on: `{ index, held }` (the
 * range not yet complete and how many of its bytes are held), or null when
 * every range is complete. A range to the end of unknown extent is never
 * complete.
 */
export function locate(ranges, remoteSize, packed) {
  let before = 0n;
  for (let index = 0; index < ranges.length; index += 1) {
    const held = packed > before ? packed - before : 0n;
    const length = lengthIn(ranges[index], remoteSize);
    if (length === undefined || held < length) return { index, held };
    before += length;
  }
  return null;
}
