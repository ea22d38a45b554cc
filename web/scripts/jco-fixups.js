// One correction to jco's output, applied by build.js right after transpiling.
//
// The bug (seen in jco 1.25.2 and still in 1.35.0, which this package pins;
// test/jco-bug.test.js fails once jco gets it right, so this file can go):
// when a function returns a list of owned resources — here `enum-jobs: func() -> list<job>` — the
// generated loop declares each element's handle and wrapper with `var`:
//
//     for (let i = 0; i < len4; i++) {
//       const base = base4 + i * 4;
//       var handle3 = dataView(memory0).getInt32(base + 0, true);
//       var rsc2 = new.target === Job ? this : Object.create(Job.prototype);
//       ...
//       Object.defineProperty(rsc2, symbolDispose, { value: function () {
//         ... rscTableRemove(handleTable1, handle3) ... exports0['0'](rep) ...
//
// `var` is function-scoped, so every element's [Symbol.dispose] closes over
// the same two variables and releases the *last* element's handle; disposing
// a second element then throws `unknown handle index`, and the other handles
// are never released until the garbage collector gets to them. Declaring the
// two per iteration (`const`) gives each closure its own element, which is
// what the code means. Nothing else in the output is touched.

const LOOP_RESOURCE = new RegExp(
  String.raw`(const base = base\d+ \+ i \* \d+;\s*)` +
    String.raw`var (handle\d+ = dataView\(memory\d+\)\.getInt32\(base \+ \d+, true\);\s*)` +
    String.raw`var (rsc\d+ = new\.target === \w+ \? this : Object\.create\(\w+\.prototype\);)`,
  'g',
);

/** Returns the corrected source and how many list loops were corrected. */
export function fixListResourceDisposal(source) {
  let fixed = 0;
  const result = source.replace(LOOP_RESOURCE, (_, base, handle, rsc) => {
    fixed += 1;
    return `${base}const ${handle}const ${rsc}`;
  });
  return { source: result, fixed };
}
