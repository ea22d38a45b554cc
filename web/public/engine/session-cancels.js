// Cancel-Session for the open sessions of cancelled uploads (contract §14.6),
// as the Rust host sends them (host/service/src/upload/cancel.rs): a 2xx,
// any 1xx–4xx, or BG_E_SESSION_NOT_FOUND ends a cancel; a 5xx or a failed
// connection is tried again every `retryDelay` seconds until `until`, at
// least once. This host keeps them in memory only: a cancel still pending
// when the page or process ends is not sent again (the server forgets an
// idle session on its own).

const SESSION_NOT_FOUND = 0x8020001f;

/** One Cancel-Session: whether it ended the cancel. */
async function send(cancel, fetch) {
  if (cancel.protocol !== 'bits') return true;
  const headers = new Headers();
  for (const line of (cancel.http.customHeaders ?? '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  headers.set('BITS-Packet-Type', 'Cancel-Session');
  headers.set('BITS-Session-Id', cancel.sessionId);
  try {
    const response = await fetch(cancel.targetUrl, { method: 'BITS_POST', headers, body: new Uint8Array(0), redirect: 'manual', cache: 'no-store' });
    await response.body?.cancel().catch(() => {});
    const code = Number.parseInt((response.headers.get('bits-error-code') ?? '').replace(/^0x/i, ''), 16);
    return response.status < 500 || code === SESSION_NOT_FOUND;
  } catch {
    return false;
  }
}

/** Sends each of `cancels` (take-session-cancels), retrying in the background; `events.sessionCancel({ sessionId, ended })` after each attempt. */
export function sendCancels(cancels, { fetch, events = {} }) {
  for (const cancel of cancels) {
    const until = Number(cancel.until.seconds) * 1000;
    const attempt = async () => {
      const ended = await send(cancel, fetch);
      events.sessionCancel?.({ sessionId: cancel.sessionId, ended });
      if (!ended && Date.now() < until) {
        const timer = setTimeout(attempt, Math.max(1, cancel.retryDelay) * 1000);
        timer.unref?.();
      }
    };
    attempt();
  }
}
