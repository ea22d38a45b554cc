// HTTP Digest access authentication (RFC 7616) as a client answers a
// challenge, the rules of the Rust host (host/service/src/digest.rs): MD5
// and SHA-256, each also as `-sess`, with `qop=auth` (or RFC 2069's form
// when the server names no qop), a new client nonce per answer and
// `nc=00000001` (each challenge is answered once). `auth-int`, `userhash`
// and `username*` are not offered.
//
// The hashes come from the platform (`hashes`: algorithm → text → hex
// promise): Node has MD5 and SHA-256 (node:crypto), a browser only
// SHA-256 (WebCrypto has no MD5), so the page answers SHA-256 challenges
// only; an MD5-only challenge is one it cannot answer.

const ALGORITHMS = new Map([
  ['MD5', ['MD5', false]],
  ['MD5-SESS', ['MD5', true]],
  ['SHA-256', ['SHA-256', false]],
  ['SHA-256-SESS', ['SHA-256', true]],
]);

/** A digest challenge this client can answer with `hashes`, or null. */
function usable(challenge, hashes) {
  if (!challenge.is('digest')) return null;
  const { params } = challenge;
  if (!params.has('realm') || !params.has('nonce')) return null;
  const algorithm = params.get('algorithm');
  const known = ALGORITHMS.get((algorithm ?? 'MD5').toUpperCase());
  if (!known || !hashes[known[0]]) return null;
  if ((params.get('userhash') ?? '').toLowerCase() === 'true') return null;
  const qopList = params.get('qop');
  if (qopList !== undefined && !qopList.split(',').some((q) => q.trim().toLowerCase() === 'auth')) return null;
  return { challenge, hash: hashes[known[0]], strong: known[0] === 'SHA-256', sess: known[1], qop: qopList !== undefined, algorithm };
}

/** Whether one of `found` (challenge.js) is a digest challenge this client answers. */
export function digestOffered(found, hashes) {
  return found.some((challenge) => usable(challenge, hashes) !== null);
}

const quoted = (text) => text.replace(/[\\"]/g, (c) => `\\${c}`);

/** A fresh client nonce: 128 random bits as hex. */
export function cnonce() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The `Authorization` value answering the best digest challenge of `found`
 * (SHA-256 before MD5), or null when none is usable or the user name cannot
 * be sent as a quoted string. `request`: { user, password, method, uri
 * (the request target as sent), cnonce }.
 */
export async function digestAnswer(found, request, hashes) {
  const best = found
    .map((challenge) => usable(challenge, hashes))
    .filter(Boolean)
    .sort((a, b) => Number(b.strong) - Number(a.strong) || Number(a.sess) - Number(b.sess))[0];
  if (!best) return null;
  if (/["\\]/.test(request.user) || /[^\x00-\x7f]/.test(request.user)) return null;
  const { params } = best.challenge;
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  const h = best.hash;
  let ha1 = await h(`${request.user}:${realm}:${request.password}`);
  if (best.sess) ha1 = await h(`${ha1}:${nonce}:${request.cnonce}`);
  const ha2 = await h(`${request.method}:${request.uri}`);
  const nc = '00000001';
  const response = best.qop ? await h(`${ha1}:${nonce}:${nc}:${request.cnonce}:auth:${ha2}`) : await h(`${ha1}:${nonce}:${ha2}`);
  let value = `Digest username="${request.user}", realm="${quoted(realm)}", nonce="${quoted(nonce)}", uri="${quoted(request.uri)}"`;
  if (best.algorithm !== undefined) value += `, algorithm=${best.algorithm}`;
  if (best.qop) value += `, qop=auth, nc=${nc}, cnonce="${quoted(request.cnonce)}"`;
  value += `, response="${response}"`;
  if (params.has('opaque')) value += `, opaque="${quoted(params.get('opaque'))}"`;
  return value;
}

/** SHA-256 through WebCrypto (the page's and Node's `crypto.subtle`), as hex. */
export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The hashes every platform has: SHA-256 only. Node adds MD5 (node/index.js). */
export const WEB_HASHES = Object.freeze({ 'SHA-256': sha256Hex });
