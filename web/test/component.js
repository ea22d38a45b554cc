// Loads the transpiled component for the Node tests, and finds its linear
// memory so tests can watch the guest's heap.
//
// jco does not export the core instance, so this wraps
// WebAssembly.instantiate while the generated module evaluates (it keeps a
// reference to the function at load time) and keeps the one exported
// WebAssembly.Memory among the core instances it makes. Each test file runs
// in its own process, so each gets a fresh instance and queue.

import { access } from 'node:fs/promises';

const MODULE = new URL('../generated/bits-queue.js', import.meta.url);

export async function loadComponent() {
  await access(MODULE).catch(() => {
    throw new Error('web/generated/bits-queue.js is missing: run `npm run build` before `npm test`');
  });
  const instances = [];
  const original = WebAssembly.instantiate;
  WebAssembly.instantiate = async function capture(...args) {
    const result = await original.apply(this, args);
    instances.push(result instanceof WebAssembly.Instance ? result : result.instance);
    return result;
  };
  let component;
  try {
    component = await import(MODULE.href);
  } finally {
    WebAssembly.instantiate = original;
  }
  const memories = instances.flatMap((instance) =>
    Object.values(instance.exports).filter((value) => value instanceof WebAssembly.Memory),
  );
  if (memories.length !== 1) throw new Error(`expected one exported memory, found ${memories.length}`);
  const [memory] = memories;
  return { ...component, memoryBytes: () => memory.buffer.byteLength };
}
