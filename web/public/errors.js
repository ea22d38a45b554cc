// The queue's refusals as Windows reports them. Shared by the page, the Node
// example and the tests.
//
// jco turns a `result<_, error-code>` error into a thrown `ComponentError`
// (an Error subclass the generated module does not export) whose `payload`
// is the error-code case name, e.g. 'not-found'. The HRESULT comes from the
// component's own `hresult` function; the names are BITS's, from the contract.

// Both tables are the contract crate's (guest/contract/src/error.rs), word
// for word: tests/tests/all/web_tables.rs fails when they differ.

/** error-code case → Windows name (contract §7, docs/contract.md). */
export const WINDOWS_NAMES = Object.freeze({
  'not-found': 'BG_E_NOT_FOUND',
  'invalid-state': 'BG_E_INVALID_STATE',
  empty: 'BG_E_EMPTY',
  'invalid-argument': 'E_INVALIDARG',
  'string-too-long': 'BG_E_STRING_TOO_LONG',
  'too-many-files': 'BG_E_TOO_MANY_FILES',
  'too-many-files-in-job': 'BG_E_TOO_MANY_FILES_IN_JOB',
  'too-many-jobs': 'BG_E_TOO_MANY_JOBS_PER_USER',
});

/** What each refusal means, in the words every host prints. */
export const EXPLANATIONS = Object.freeze({
  'not-found': 'no job in the queue has that GUID',
  'invalid-state': "the job's state does not allow this call",
  empty: 'the job has no file to transfer',
  'invalid-argument': 'an argument is not valid',
  'string-too-long': 'the string is too long',
  'too-many-files': 'an upload job holds exactly one file',
  'too-many-files-in-job': 'the job would exceed max-files-per-job',
  'too-many-jobs': 'the queue would exceed max-jobs',
});

/**
 * call-error cases beyond error-code's (contract §14.1: calls added after
 * §8 refuse with call-error, whose first eight cases are the error-code
 * cases above) → Windows name, as the contract crate names them.
 */
export const CALL_ERROR_NAMES = Object.freeze({
  'not-implemented': 'E_NOTIMPL',
  'access-denied': 'E_ACCESSDENIED',
  pending: 'E_PENDING',
  'too-large': 'BG_E_TOO_LARGE',
  'username-too-large': 'BG_E_USERNAME_TOO_LARGE',
  'password-too-large': 'BG_E_PASSWORD_TOO_LARGE',
  'proxy-list-too-large': 'BG_E_PROXY_LIST_TOO_LARGE',
  'proxy-bypass-list-too-large': 'BG_E_PROXY_BYPASS_LIST_TOO_LARGE',
  'invalid-range': 'BG_E_INVALID_RANGE',
  'overlapping-ranges': 'BG_E_OVERLAPPING_RANGES',
  'too-many-ranges-in-file': 'BG_E_TOO_MANY_RANGES_IN_FILE',
  'download-jobs-only': 'BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY',
  'read-only-after-resume': 'BG_E_READ_ONLY_PROPERTY_AFTER_RESUME',
  'not-supported-with-custom-method': 'BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD',
});

/** A call-error case beyond error-code's that a call was refused with, or null. */
export function callErrorOf(error) {
  const payload = error instanceof Error ? error.payload : undefined;
  return typeof payload === 'string' && Object.hasOwn(CALL_ERROR_NAMES, payload) ? payload : null;
}

/** The error-code a queue call was refused with, or null for any other failure. */
export function errorCodeOf(error) {
  const payload = error instanceof Error ? error.payload : undefined;
  return typeof payload === 'string' && Object.hasOwn(WINDOWS_NAMES, payload) ? payload : null;
}

/** `0x80200001`: eight upper-case hex digits, as Windows prints HRESULTs. */
export function formatHresult(value) {
  return `0x${(value >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/**
 * A refusal described for people: `{ code, name, hresult, hex, explanation }`,
 * with `hresult` from the component's `types.hresult`; null when `error` is
 * not a queue refusal (a bug or a trap: let it propagate).
 */
export function describeQueueError(error, types) {
  const code = errorCodeOf(error);
  if (code === null) {
    const call = callErrorOf(error);
    if (call === null) return null;
    const hresult = types.callHresult(call);
    const name = CALL_ERROR_NAMES[call];
    return { code: call, name, hresult, hex: formatHresult(hresult), explanation: `the queue refused the call (${name})` };
  }
  const hresult = types.hresult(code);
  return {
    code,
    name: WINDOWS_NAMES[code],
    hresult,
    hex: formatHresult(hresult),
    explanation: EXPLANATIONS[code],
  };
}
