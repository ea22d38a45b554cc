#!/usr/bin/env node
// Builds the bits:queue component with cargo (the release build of guest/component,
// which host/embed/build/main.rs makes) and transpiles it with jco into web/generated/,
// the ES module that both Node and the page import.
//
// Cargo is always asked: when nothing changed it answers in about a second,
// and asking is the only way to know the component is current. jco runs only
// when the component's bytes (or jco's version) differ from the last run.
// BITS_QUEUE_COMPONENT=path/to/component.wasm skips cargo and transpiles that.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transpile } from '@bytecodealliance/jco';
import { fixListResourceDisposal } from './jco-fixups.js';

const webDir = dirname(dirname(fileURLToPath(import.meta.url)));
const repoDir = dirname(webDir);
const generatedDir = join(webDir, 'generated');
const stampFile = join(generatedDir, 'SOURCE');

const HOST_PACKAGE = 'bits-queue-host';
const COMPONENT_FILE = 'bits_queue_component.wasm';
const MODULE_NAME = 'bits-queue';
// What the page can supply: the component is no_std and asks only for
// randomness, which the preview2 shim takes from crypto.getRandomValues, and
// the wall clock (job times, retries), which it takes from Date.now.
const ALLOWED_IMPORTS = new Set(['@bytecodealliance/preview2-shim/random', '@bytecodealliance/preview2-shim/clocks']);

class BuildError extends Error {}

/**
 * Runs `cargo build --release --workspace` and returns the path of the
 * component its build script produced, read from cargo's JSON messages (so a
 * CARGO_TARGET_DIR elsewhere is found too).
 */
function buildComponent() {
  const cargo = process.env.CARGO || 'cargo';
  // The whole workspace, as `cargo test --release --workspace` builds it:
  // building one package alone unifies dependency features differently and
  // would compile wasmtime a second time.
  const args = ['build', '--release', '--workspace', '--message-format=json-render-diagnostics'];
  console.log(`build: ${cargo} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cargo, args, { cwd: repoDir, stdio: ['ignore', 'pipe', 'inherit'] });
    let outDir = null;
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) outDir = hostOutDir(line) ?? outDir;
    });
    child.on('error', (error) => {
      reject(
        error.code === 'ENOENT'
          ? new BuildError(
              `cargo was not found (tried "${cargo}"). The component is built from guest/component by cargo: ` +
                'install Rust from https://rustup.rs (rust-toolchain.toml picks the version), ' +
                'or set CARGO to its path, then run `npm run build` again.',
            )
          : new BuildError(`could not run ${cargo}: ${error.message}`),
      );
    });
    child.on('close', (code, signal) => {
      outDir = hostOutDir(pending) ?? outDir;
      if (code !== 0) {
        reject(new BuildError(`cargo build failed (${signal ?? `exit code ${code}`}); its errors are above.`));
      } else if (outDir === null) {
        reject(new BuildError(`cargo reported no build-script output for ${HOST_PACKAGE}; cannot find the component.`));
      } else {
        resolve(join(outDir, COMPONENT_FILE));
      }
    });
  });
}

/** The out_dir of bits-queue-host's build script, if `line` reports it. */
function hostOutDir(line) {
  if (!line.startsWith('{')) return null;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return null;
  }
  const isHost = /[#/]bits-queue-host[@#]/.test(message.package_id ?? '');
  return message.reason === 'build-script-executed' && isHost ? message.out_dir : null;
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

async function jcoVersion() {
  const manifest = new URL('../node_modules/@bytecodealliance/jco/package.json', import.meta.url);
  return JSON.parse(await readFile(manifest, 'utf8')).version;
}

/** Transpiles `wasmPath` into generated/ unless it already holds this exact build. */
async function transpileComponent(wasmPath) {
  const component = await readFile(wasmPath).catch((error) => {
    throw new BuildError(`cannot read the component ${wasmPath}: ${error.message}`);
  });
  const fixups = await readFile(new URL('./jco-fixups.js', import.meta.url));
  const stamp =
    `component sha256 ${sha256(component)}\n` +
    `jco ${await jcoVersion()}\n` +
    `jco-fixups.js sha256 ${sha256(fixups)}\n`;
  const previous = await readFile(stampFile, 'utf8').catch(() => null);
  if (previous === stamp) {
    console.log(`build: ${generatedDir} is up to date`);
    return;
  }

  const { files, imports } = await transpile(component, { name: MODULE_NAME, quiet: true });
  const unexpected = imports.filter((specifier) => !ALLOWED_IMPORTS.has(specifier));
  if (unexpected.length > 0) {
    throw new BuildError(
      `the component imports ${unexpected.join(', ')}; the page supplies only ${[...ALLOWED_IMPORTS].join(', ')}`,
    );
  }

  const moduleFile = `${MODULE_NAME}.js`;
  const { source, fixed } = fixListResourceDisposal(Buffer.from(files[moduleFile]).toString('utf8'));
  files[moduleFile] = Buffer.from(source, 'utf8');
  console.log(`build: corrected [Symbol.dispose] in ${fixed} list<own<resource>> loop(s) (see scripts/jco-fixups.js)`);

  // Write beside generated/ and swap it in, so a failed run never leaves
  // half an output behind.
  const stagingDir = `${generatedDir}.staging`;
  await rm(stagingDir, { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(files)) {
    const target = join(stagingDir, name);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
  await writeFile(join(stagingDir, 'SOURCE'), stamp);
  // The component itself, for test/jco-bug.test.js (it transpiles it again
  // without the fixups, to see whether jco still needs them).
  await writeFile(join(stagingDir, 'component.wasm'), component);
  await rm(generatedDir, { recursive: true, force: true });
  await rename(stagingDir, generatedDir);
  const sizes = Object.entries(files).map(([name, bytes]) => `${name} (${bytes.length} bytes)`);
  console.log(`build: transpiled ${wasmPath}\n  into ${generatedDir}: ${sizes.join(', ')}`);
}

try {
  // BITS_QUEUE_COMPONENT names a component built elsewhere (no cargo needed).
  const given = process.env.BITS_QUEUE_COMPONENT;
  await transpileComponent(given ? resolve(given) : await buildComponent());
} catch (error) {
  console.error(`build: ${error instanceof BuildError ? error.message : error.stack}`);
  process.exitCode = 1;
}
