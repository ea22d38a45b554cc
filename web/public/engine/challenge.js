// `WWW-Authenticate` values read as RFC 9110 §11.6.1 writes them, the same
// reading as the Rust host's (host/service/src/challenge.rs): one value may
// hold several challenges, each a scheme and then either a token68 or
// `name=value` parameters (a token or a quoted string), separated by commas.
// What does not parse is left out: a challenge the client cannot read is one
// it cannot answer.

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/** A parameter's value (quoted string unescaped, or a token) and what follows it. */
function paramValue(text) {
  if (!text.startsWith('"')) {
    const end = text.search(/[, \t]/);
    return end < 0 ? [text, ''] : [text.slice(0, end), text.slice(end)];
  }
  let value = '';
  for (let at = 1; at < text.length; at += 1) {
    const c = text[at];
    if (c === '"') return [value, text.slice(at + 1)];
    if (c === '\\' && at + 1 < text.length) {
      at += 1;
      value += text[at];
    } else {
      value += c;
    }
  }
  // An unterminated string: what there is.
  return [value, ''];
}

/**
 * The challenges of all `values` in order, each `{ scheme, params }` with
 * parameter names in lower case; `is(scheme)` compares case-insensitively.
 */
export function challenges(values) {
  const found = [];
  for (const value of values) {
    let rest = value.trimStart();
    // Right after a scheme, before any comma, a word that is not a
    // parameter is the scheme's token68 (`Negotiate YWJj==`).
    let afterScheme = false;
    while (rest !== '') {
      rest = rest.replace(/^[ \t]+/, '');
      if (rest.startsWith(',')) {
        rest = rest.slice(1);
        afterScheme = false;
        continue;
      }
      const word = TCHAR.exec(rest)?.[0] ?? '';
      const after = rest.slice(word.length);
      if (word === '') {
        const comma = after.indexOf(',');
        rest = comma < 0 ? '' : after.slice(comma + 1);
        afterScheme = false;
        continue;
      }
      const spaced = after.replace(/^[ \t]+/, '');
      const isParam = spaced.startsWith('=') && !spaced.startsWith('==');
      if (isParam && found.length > 0) {
        const [param, left] = paramValue(spaced.slice(1).trimStart());
        found.at(-1).params.set(word.toLowerCase(), param);
        rest = left;
        afterScheme = false;
      } else if (afterScheme) {
        rest = after.replace(/^=+/, '');
        afterScheme = false;
      } else {
        found.push({ scheme: word, params: new Map(), is: (scheme) => word.toLowerCase() === scheme.toLowerCase() });
        rest = after;
        afterScheme = true;
      }
    }
  }
  return found;
}
