// Running a job's notify program from the Node host (contract §16.1), as the
// Rust service does (host/service/src/notify.rs): the program itself, never
// a shell, as the process's user; argv split from the parameters by the
// rules of CommandLineToArgvW (VC++ 2008), their first word argv[0]; the
// job's GUID and event in BITSQ_JOB_ID and BITSQ_JOB_EVENT; stdin, stdout
// and stderr /dev/null; working directory /; killed after 600 s. The exit
// code, or null (it could not start, was killed, ran out of time), is
// what the host reports with report-command-exit.

import { spawn } from 'node:child_process';

/** How long a program may run before it is killed (ms). */
export const LIMIT_MS = 600_000;

/**
 * `text` split into words as CommandLineToArgvW (VC++ 2008 rules) splits
 * a command line: spaces and tabs separate words outside quotes; `"`
 * begins or ends a quoted part, `""` inside one is a literal `"`; 2n
 * backslashes before a `"` are n backslashes (the quote still counts),
 * 2n+1 are n and a literal `"`; other backslashes are literal.
 */
export function splitParameters(text) {
  const words = [];
  let word = '';
  let started = false;
  let quoted = false;
  let slashes = 0;
  for (let at = 0; at < text.length; at += 1) {
    const c = text[at];
    if (c === '\\') {
      slashes += 1;
      continue;
    }
    if (c === '"') {
      word += '\\'.repeat(Math.floor(slashes / 2));
      started = true;
      if (slashes % 2 === 1) word += '"';
      else if (quoted && text[at + 1] === '"') {
        word += '"';
        at += 1;
      } else quoted = !quoted;
      slashes = 0;
      continue;
    }
    word += '\\'.repeat(slashes);
    if (slashes > 0) started = true;
    slashes = 0;
    if ((c === ' ' || c === '\t') && !quoted) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  word += '\\'.repeat(slashes);
  if (started || slashes > 0) words.push(word);
  return words;
}

/**
 * Runs `command` ({ program, parameters }) for job `guid`'s `event`
 * ('transferred' | 'error'); resolves with its exit code, or null with
 * nothing more when it did not start, was killed or ran out of time.
 */
export function runNotifyCommand(command, guid, event, { limit = LIMIT_MS } = {}) {
  const words = splitParameters(command.parameters);
  const argv = words.length > 0 ? words : [command.program];
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command.program, argv.slice(1), {
        argv0: argv[0],
        cwd: '/',
        env: { ...process.env, BITSQ_JOB_ID: guid, BITSQ_JOB_EVENT: event },
        stdio: 'ignore',
        shell: false,
        timeout: limit,
        killSignal: 'SIGKILL',
      });
    } catch {
      resolve(null);
      return;
    }
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
}
