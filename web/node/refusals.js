// The queue's refusals in Node, as errors that say which call, which
// argument and why: `QueueError` (the contract's error-code, its Windows name
// and HRESULT, and the text). The component itself only says
// `invalid-argument`; the argument is told from the call and the rules of
// docs/contract.md §4 and §6.

import { CALL_ERROR_NAMES, EXPLANATIONS, WINDOWS_NAMES, callErrorOf, errorCodeOf } from '../public/errors.js';

const MAX_NAME = 256;
const MAX_DESCRIPTION = 1024;

export class QueueError extends Error {
  /**
   * `code`: the error-code ('invalid-argument', …); `method`: the call;
   * `argument`: the argument at fault, when one is; `hresult`: the number.
   */
  constructor({ code, method, argument, why, hresult, cause }) {
    const name = WINDOWS_NAMES[code] ?? CALL_ERROR_NAMES[code];
    super(`${method}: ${argument ? `${argument}: ` : ''}${why} (${name}, 0x${(hresult >>> 0).toString(16).toUpperCase().padStart(8, '0')})`, { cause });
    this.name = 'QueueError';
    this.code = code;
    this.windowsName = name;
    this.hresult = hresult;
    this.method = method;
    this.argument = argument;
  }
}

/** What a call-error beyond error-code's means, for the calls of contract §15. */
const CALL_WHY = {
  'not-implemented': 'this host cannot do that',
  'access-denied': 'the custom headers are write-only (makeCustomHeadersWriteOnly): they cannot be read back',
  'username-too-large': 'a user name is at most 300 characters',
  'password-too-large': 'a password or token is at most 65,535 characters',
};

/** A local name the queue takes: absolute, `/…` or a drive letter with `:\` or `:/`. */
const absolute = (path) => typeof path === 'string' && /^(\/|[A-Za-z]:[\\/])/.test(path);
/** A remote name's scheme the queue takes. */
const remote = (url) => typeof url === 'string' && /^(https?|file):\/\//i.test(url);

/** The argument at fault and why, for an `invalid-argument` or `string-too-long` refusal of `method`. */
function argumentOf(method, args) {
  switch (method) {
    case 'createJob':
      return ['displayName', `a display name is 1 to ${MAX_NAME} characters`];
    case 'setDisplayName':
      return ['name', `a display name is at most ${MAX_NAME} characters`];
    case 'setDescription':
      return ['description', `a description is at most ${MAX_DESCRIPTION} characters`];
    case 'setNotifyFlags':
      return ['value', 'the flags are 0x1, 0x2, 0x4 and 0x8 only'];
    case 'setLimits':
      return ['limits', 'max-jobs and max-files-per-job are at least 1'];
    case 'addFile': {
      const [remoteName, localName] = args;
      if (!remote(remoteName)) return ['remoteName', `"${remoteName}" is not an http://, https:// or file:// URL`];
      if (!absolute(localName)) return ['localName', `"${localName}" is not an absolute path (/… or C:\\…)`];
      return ['remoteName or localName', 'over its length limit (2,200 and 260), or holding a character it may not (whitespace in a URL; *, ? or a control character in a path)'];
    }
    case 'addFileSet':
      return ['files', 'an entry breaks the rules of addFile (an http://, https:// or file:// URL; an absolute path)'];
    case 'setCustomHeaders':
      return ['headers', 'lines of "Name: value" each ending in CRLF, a token name, no CR, LF or NUL in a value, no name the host owns (Host, Range, BITS-…), 16,383 characters at most'];
    case 'setCredentials':
      return ['credentials', 'bearer is for the server only, with an empty user name and a token68 token; no CR, LF or NUL anywhere, no ":" in a basic user name'];
    case 'removeCredentials':
      return ['target', 'bearer is for the server only'];
    default:
      return [undefined, EXPLANATIONS['invalid-argument']];
  }
}

/** `error` as a QueueError when it is the queue's refusal of `method(args)`; anything else as it is. */
export function asQueueError(error, method, args, types) {
  const code = errorCodeOf(error);
  if (code === null) {
    const call = callErrorOf(error);
    if (call === null) return error;
    return new QueueError({ code: call, method, why: CALL_WHY[call] ?? 'the queue refused the call', hresult: types.callHresult(call), cause: error });
  }
  const hresult = types.hresult(code);
  if (code === 'invalid-argument' || code === 'string-too-long') {
    const [argument, why] = argumentOf(method, args);
    return new QueueError({ code, method, argument, why, hresult, cause: error });
  }
  return new QueueError({ code, method, why: EXPLANATIONS[code], hresult, cause: error });
}

/** Node refuses what the page refuses before calling: a blank display name. */
export function refuseBlankName(method, argument, name, types) {
  if (typeof name === 'string' && name.trim() === '') {
    throw new QueueError({
      code: 'invalid-argument',
      method,
      argument,
      why: 'a display name is required (a blank one is refused)',
      hresult: types.hresult('invalid-argument'),
    });
  }
}

/** Security flags this host cannot honour: TLS checks and the redirect policies (contract §15.4). */
const UNSUPPORTED_FLAGS = 0x071f;

/**
 * Node refuses up front, with E_NOTIMPL, settings its transfers could not
 * honour (they would end the job as `unsupported` at its next start):
 * proxy usage other than preconfig, a client certificate, TLS security
 * flags and redirect policies.
 */
export function refuseUnsupported(method, args, types) {
  const [value] = args;
  let why = null;
  let argument;
  if (method === 'setProxySettings' && value?.usage !== undefined && value.usage !== 'preconfig') {
    [argument, why] = ['settings', `usage ${value.usage}: this host uses the process's own proxy settings (preconfig) only`];
  } else if (method === 'setClientCertificate' && value !== undefined && value !== null) {
    [argument, why] = ['certificate', 'this host has no certificate store to present a client certificate from'];
  } else if (method === 'setSecurityFlags' && typeof value === 'number' && (value & UNSUPPORTED_FLAGS) !== 0) {
    [argument, why] = ['value', `0x${(value & UNSUPPORTED_FLAGS).toString(16)}: this host cannot change certificate checks or the redirect policy (0x800 alone is taken)`];
  }
  if (why === null) return;
  throw new QueueError({ code: 'not-implemented', method, argument, why, hresult: types.callHresult('not-implemented') });
}
