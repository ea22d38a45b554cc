// Cancel-Session for the open sessions of cancelled uploads (contract §14.6),
// as the Rust host sends them (host/service/src/upload/cancel.rs): a 2xx,
// any 1xx–4xx, or BG_E_SESSION_NOT_FOUND ends a cancel; a 5xx or a failed
// connection is tried again every `retryDelay` seconds until `until`, at
// least once. This host keeps them in memory only: a cancel still pending
// when the page or process ends is not sent again (the server forgets an
// idle session on its own). Each carries the job's custom headers and
// credentials (auth.js), read from the secret store, which keeps the job's
// secrets until its cancel ends (contract §15.2).

import { RequestAuth } from './auth.js';

const SESSION_NOT_FOUND = 0x8020001f;

/** One Cancel-Session: whether it ended the cancel. */
async function send(cancel, fetch, authFor) {
  if (cancel.protocol !== 'bits') return true;
  const headers = [
    ['BITS-Packet-Type', 'Cancel-Session'],
    ['BITS-Session-Id', cancel.sessionId],
  ];
  try {
    const auth = await authFor(cancel);
    const response = await auth.fetch(fetch, cancel.targetUrl, { method: 'BITS_POST', headers, body: new Uint8Array(0), follow: false, cache: 'no-store' });
    await response.body?.cancel().catch(() => {});
    const code = Number.parseInt((response.headers.get('bits-error-code') ?? '').replace(/^0x/i, ''), 16);
    return response.status < 500 || code === SESSION_NOT_FOUND;
  } catch {
    return false;
  }
}

/**
 * Sends each of `cancels` (take-session-cancels), retrying in the
 * background; `events.sessionCancel({ sessionId, ended })` after each
 * attempt. `authFor(cancel)` → the RequestAuth of its job; `done(cancel)`
 * once it is over (ended, or given up at its `until`).
 */
export function sendCancels(cancels, { fetch, events = {}, authFor = async () => RequestAuth.none, done = () => {} }) {
  for (const cancel of cancels) {
    const until = Number(cancel.until.seconds) * 1000;
    const attempt = async () => {
      const ended = await send(cancel, fetch, authFor);
      events.sessionCancel?.({ sessionId: cancel.sessionId, ended });
      if (!ended && Date.now() < until) {
        const timer = setTimeout(attempt, Math.max(1, cancel.retryDelay) * 1000);
        timer.unref?.();
      } else {
        done(cancel);
      }
    };
    attempt();
  }
}
