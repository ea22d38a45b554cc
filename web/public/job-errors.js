// A job's error (`get-job-error`) described for people: the HTTP status for
// the 0x8019xxxx codes (BG_E_HTTP_ERROR_xxx), else the Windows name of the
// HRESULT, from the failure table of docs/contract.md §10.

import { formatHresult } from './errors.js';

const NAMES = Object.freeze({
  0x8020002d: 'BG_E_CONNECT_FAILURE',
  0x8020002e: 'BG_E_CONNECTION_CLOSED',
  0x80200013: 'BG_E_INSUFFICIENT_RANGE_SUPPORT',
  0x80200011: 'BG_E_MISSING_FILE_SIZE',
  0x80070002: 'ERROR_FILE_NOT_FOUND',
  0x80070005: 'E_ACCESSDENIED',
  0x80004001: 'E_NOTIMPL',
});

const HTTP_BASE = 0x80190000;

/** `{ name, hex, context, text }` for a job-error record. */
export function describeJobError(error) {
  const hresult = error.hresult >>> 0;
  const status = hresult - HTTP_BASE;
  const name = status >= 100 && status <= 599 ? `HTTP ${status}` : (NAMES[hresult] ?? 'HRESULT');
  const file = error.fileIndex === undefined ? '' : ` (file ${error.fileIndex})`;
  return { name, hex: formatHresult(hresult), context: `context: ${error.context}${file}`, text: error.description };
}
