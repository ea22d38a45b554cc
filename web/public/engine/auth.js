// What a job's requests carry beyond their URL (contract §15.1–§15.2), for
// both JS hosts: the custom headers (readable ones from the order's HTTP
// settings, write-only ones from the secret store) and the server
// credentials, the same rules as the Rust host (host/service/src/auth.rs):
//   - bearer goes on every request; basic and digest answer a 401 whose
//     challenge names them, once, digest first when both are set and
//     offered; credentials replace a custom `Authorization`;
//   - a second 401, or a challenge naming no scheme the job has, is the
//     server's 401 (fatal for the component); no secret for a slot: nothing
//     is sent for it;
//   - headers and credentials go only to the remote name's origin (or an
//     upload's BITS-Host-Id server), never across a redirect to another
//     origin: a job with something to protect asks with `redirect:
//     'manual'` and follows each step itself (Node sees the Location), or,
//     in a browser (which hides a redirect's Location from the page), asks
//     again without them, letting the browser follow, and asks the final
//     URL once more with them only when it has the job's origin.
// What the JS hosts cannot do is refused as `unsupported`, never ignored:
// proxy settings other than `preconfig` (the browser's or the process's
// own), client certificates, TLS security flags, the ALLOW_REPORT and
// DISALLOW redirect policies.

import { challenges } from './challenge.js';
import { cnonce, digestAnswer, digestOffered } from './digest.js';

/** Bits of the security flags (contract §15.4). */
const TLS_FLAGS = 0x1f;
const REDIRECT_POLICY = 0x700;
const ALLOW_HTTPS_TO_HTTP = 0x800;
/** Redirects one request follows; the 11th fails (contract §15.4). */
const MAX_REDIRECTS = 10;

/** How a request ended early: its outcome for the engine host. */
export class AuthEnd extends Error {
  constructor(outcome, why) {
    super(why);
    this.outcome = outcome;
  }
}
const redirectFailed = (why) => new AuthEnd({ detail: { tag: 'redirect-failed', val: why } }, why);

const originOf = (url) => {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
};

/** `url` as a host prints it: userinfo replaced by `***@` (contract §15.3). */
export function shownUrl(url) {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.href.replace('://', '://***@');
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
  }
}

/** `Name: value` lines as [name, value] pairs. */
export function parseHeaders(text) {
  return (text ?? '')
    .split(/\r?\n/)
    .map((line) => {
      const colon = line.indexOf(':');
      return colon > 0 ? [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] : null;
    })
    .filter(Boolean);
}

/**
 * What the HTTP settings of an order ask that this host cannot do, in
 * words, or null. `http`: the order's http-settings; `redirects`: whether
 * the order follows redirects (a download, upload-reply's reply), so the
 * redirect policy applies (contract §15.4: never to upload packets).
 */
export function refusedSetting(http, { redirects = true } = {}) {
  if (http.proxy.usage !== 'preconfig') return `proxy usage ${http.proxy.usage} (this host uses the ${typeof window === 'undefined' ? "process's" : "browser's"} own proxy settings)`;
  if (http.clientCertificate !== undefined) return 'a client certificate (this host has no certificate store)';
  if ((http.securityFlags & TLS_FLAGS) !== 0) return `security flags 0x${(http.securityFlags & TLS_FLAGS).toString(16)} (this host cannot change certificate checks)`;
  const policy = http.securityFlags & REDIRECT_POLICY;
  if (redirects && policy !== 0) return `redirect policy 0x${policy.toString(16)} (this host follows redirects silently only)`;
  return null;
}

/** The request target as sent on the request line (path and query), for digest. */
const requestTarget = (url) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

/**
 * A job's headers and server credentials for one transfer. Build it with
 * `RequestAuth.forOrder`; `none` protects nothing and changes no request.
 */
export class RequestAuth {
  #headers;
  #basic;
  #digest;
  #bearer;
  #origins;
  #flags;
  #hashes;

  constructor({ headers = [], basic, digest, bearer, origins = [], flags = 0, hashes = {} } = {}) {
    this.#headers = headers;
    this.#basic = basic;
    this.#digest = digest;
    this.#bearer = bearer;
    this.#origins = new Set(origins.map(originOf).filter(Boolean));
    this.#flags = flags;
    this.#hashes = hashes;
  }

  static none = new RequestAuth();

  /**
   * The headers and credentials of an order: `http` its settings, `job` its
   * GUID text, `secrets` the secret store, `origins` the URLs whose origins
   * may see them (the remote name, an upload's target).
   */
  static async forOrder({ http, job, secrets, origins, hashes }) {
    if (!http) return RequestAuth.none;
    const secret = async (slot) => (secrets ? await secrets.get(job, slot) : undefined);
    let text = http.customHeaders;
    if (text === undefined && http.secretHeaders) text = (await secret('custom-headers'))?.value;
    const has = (target, scheme) => http.credentials.some((c) => c.target === target && c.scheme === scheme);
    const credential = async (scheme) => (has('server', scheme) ? await secret(`server-${scheme}`) : undefined);
    return new RequestAuth({
      headers: parseHeaders(text),
      basic: await credential('basic'),
      digest: await credential('digest'),
      bearer: (await credential('bearer'))?.value,
      origins,
      flags: http.securityFlags,
      hashes,
    });
  }

  /** Whether requests carry anything that must not reach another origin. */
  get protects() {
    return this.#headers.length > 0 || this.#basic !== undefined || this.#digest !== undefined || this.#bearer !== undefined;
  }

  /** Whether the job holds a credential (the browser then sends none of its own). */
  get hasCredentials() {
    return this.#basic !== undefined || this.#digest !== undefined || this.#bearer !== undefined;
  }

  /** Whether `url` has an origin the job's headers and credentials may go to. */
  trusts(url) {
    return this.#origins.has(originOf(url));
  }

  /** The custom header names this platform's fetch would drop (a browser's forbidden names), as a refusal in words, or null. */
  dropped(url) {
    if (this.#headers.length === 0) return null;
    let request;
    try {
      request = new Request(url, { headers: this.#headers });
    } catch {
      return null;
    }
    const gone = this.#headers.map(([name]) => name).filter((name) => !request.headers.has(name));
    return gone.length > 0 ? `the custom header${gone.length > 1 ? 's' : ''} ${gone.join(', ')} (this host's fetch() may not send ${gone.length > 1 ? 'them' : 'it'})` : null;
  }

  /**
   * `base` (the host's own headers: Range, BITS-…) with, for a trusted
   * `url`, the custom headers and the bearer token in place of a custom
   * `Authorization`; `authorization` answers a challenge.
   */
  headersFor(url, base = [], authorization = null) {
    const headers = new Headers();
    if (this.trusts(url)) {
      const replaced = this.#bearer !== undefined || authorization !== null;
      for (const [name, value] of this.#headers) {
        if (replaced && name.toLowerCase() === 'authorization') continue;
        headers.append(name, value);
      }
      if (this.#bearer !== undefined) headers.set('Authorization', `Bearer ${this.#bearer}`);
      else if (authorization !== null) headers.set('Authorization', authorization);
    }
    for (const [name, value] of new Headers(base)) headers.set(name, value);
    return headers;
  }

  /**
   * The `Authorization` answering a 401 `response` to `method` `url`, if
   * the job holds a credential for one of its challenges (digest first,
   * then basic), else null. Bearer went with the request already, so a 401
   * to it is not answered.
   */
  async answer(response, method, url) {
    if (this.#bearer !== undefined || !this.trusts(url)) return null;
    const values = response.headers.get('www-authenticate');
    if (values === null) return null;
    const found = challenges([values]);
    if (this.#digest !== undefined && digestOffered(found, this.#hashes)) {
      const { userName: user, value: password } = this.#digest;
      const answered = await digestAnswer(found, { user, password, method, uri: requestTarget(url), cnonce: cnonce() }, this.#hashes);
      if (answered !== null) return answered;
    }
    if (this.#basic === undefined || !found.some((challenge) => challenge.is('basic'))) return null;
    let binary = '';
    for (const byte of new TextEncoder().encode(`${this.#basic.userName}:${this.#basic.value}`)) binary += String.fromCharCode(byte);
    return `Basic ${btoa(binary)}`;
  }

  /**
   * One request of a job: `init` its fetch options (method, body, signal,
   * and `headers`, the host's own), `follow` whether redirects are followed
   * (a download, a reply) or not (an upload packet: a 3xx is the server's
   * answer). A 401 is answered once. Throws `AuthEnd` for a redirect that
   * fails (contract §15.4), and what fetch throws.
   */
  async fetch(fetch, url, { headers: base = [], follow = true, ...init }) {
    const credentials = this.hasCredentials ? { credentials: 'omit' } : {};
    if (!this.protects) return fetch(url, { ...init, headers: new Headers(base), redirect: follow ? 'follow' : 'manual' });
    let current = url;
    let method = init.method ?? 'GET';
    let body = init.body;
    const seen = [url];
    for (;;) {
      const once = (authorization) =>
        fetch(current, { ...init, ...credentials, method, body, headers: this.headersFor(current, base, authorization), redirect: 'manual' });
      let response = await once(null);
      if (response.status === 401) {
        const authorization = await this.answer(response, method, current);
        if (authorization !== null) {
          await response.body?.cancel().catch(() => {});
          response = await once(authorization);
        }
      }
      if (!follow) return response;
      if (response.type === 'opaqueredirect') return this.#followHidden(fetch, current, { ...init, ...credentials, method, body }, base);
      const location = response.headers.get('location');
      if (![301, 302, 303, 307, 308].includes(response.status) || location === null) return response;
      await response.body?.cancel().catch(() => {});
      const next = this.#nextStep(current, response.status, location, seen);
      current = next;
      if (response.status === 303) {
        method = 'GET';
        body = undefined;
      }
    }
  }

  /** Where a redirect leads, checked as contract §15.4 says (and stripped of userinfo, §15.3). */
  #nextStep(current, status, location, seen) {
    let target;
    try {
      target = new URL(location.trim(), current);
    } catch {
      throw redirectFailed(`HTTP ${status} to ${shownUrl(location)}, which is not a URL`);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw redirectFailed(`HTTP ${status} to ${shownUrl(target.href)}, which is not an http or https URL`);
    }
    if (new URL(current).protocol === 'https:' && target.protocol === 'http:' && (this.#flags & ALLOW_HTTPS_TO_HTTP) === 0) {
      throw redirectFailed(`HTTP ${status} from https to http (${shownUrl(target.href)}), which the job does not allow`);
    }
    target.username = '';
    target.password = '';
    target.hash = '';
    if (seen.includes(target.href)) throw redirectFailed(`a redirect loop: HTTP ${status} back to ${shownUrl(target.href)}`);
    if (seen.length > MAX_REDIRECTS) throw redirectFailed(`more than ${MAX_REDIRECTS} redirects (the last to ${shownUrl(target.href)})`);
    seen.push(target.href);
    return target.href;
  }

  /**
   * A browser's redirect, whose Location the page may not read: followed
   * by the browser without the job's headers and credentials; the final
   * URL, when it has the job's origin, is asked again with them (once: a
   * redirect then fails the request).
   */
  async #followHidden(fetch, url, init, base) {
    const bare = await fetch(url, { ...init, headers: new Headers(base), redirect: 'follow' });
    if (!bare.redirected || !this.trusts(bare.url)) return bare;
    await bare.body?.cancel().catch(() => {});
    const final = bare.url;
    const again = async (authorization) => fetch(final, { ...init, headers: this.headersFor(final, base, authorization), redirect: 'manual' });
    let response = await again(null);
    if (response.status === 401) {
      const authorization = await this.answer(response, init.method ?? 'GET', final);
      if (authorization !== null) {
        await response.body?.cancel().catch(() => {});
        response = await again(authorization);
      }
    }
    if (response.type === 'opaqueredirect') throw redirectFailed(`${shownUrl(final)} redirected again when asked with the job's credentials`);
    return response;
  }
}
