// The jobs list: an ARIA grid (one row per job, `aria-selected` on the
// selected one) that draws only the rows in view, so 300 jobs cost what 20
// do. Rows have one fixed height (a name is cut to one line, in full in its
// title), kept in CSS as --row-h. A row's element is kept while its job is
// listed and its cells are rewritten only when what they show changed, so
// selecting, a transfer's report or a redraw never moves the scroll
// position or the focus.
//
// Keyboard: the grid is one tab stop; ↑ ↓ Home End PageUp PageDown move
// between rows, Enter or Space selects the focused one.

import { SIZE_UNKNOWN } from './jobs.js';

/** Rows drawn above and below those in view. */
const OVERSCAN = 6;

/** A name as shown: a blank or whitespace-only one (set by another host) reads "(no name)". */
export function shownName(name) {
  return name.trim() === '' ? '(no name)' : name;
}

export const moving = (state) => state === 'transferring' || state === 'connecting';

/** The fraction done (0..1), or null while the total is unknown or zero. */
export function fraction({ bytesTotal, bytesTransferred }) {
  if (bytesTotal === SIZE_UNKNOWN || bytesTotal === 0n) return null;
  return Number(bytesTransferred) / Number(bytesTotal);
}

/** A bar's value: the fraction done; indeterminate (no value) only while an unknown size is moving. */
export function setBar(bar, progress, state) {
  const done = fraction(progress);
  if (done !== null) bar.value = done;
  else if (moving(state)) bar.removeAttribute('value');
  else bar.value = 0;
}

function cell(className) {
  const element = document.createElement('div');
  element.setAttribute('role', 'gridcell');
  element.className = `cell ${className}`;
  return element;
}

function setAttribute(element, name, value) {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

/** What a row shows, as one string: its cells are rewritten only when it changes. */
function rowKey(row) {
  const { bytesTotal, bytesTransferred } = row.progress;
  return [row.name, row.type, row.state, row.priority, row.fileCount, bytesTotal, bytesTransferred].join('\u0000');
}

export class JobsGrid {
  #scroller;
  #grid;
  #body;
  #onSelect;
  #rows = [];
  #index = new Map(); // guid → position in #rows
  #elements = new Map(); // guid → { element, key }
  #selected = null;
  #focused = null; // the guid of the row that takes the tab stop
  #drawing = false;

  /** `onSelect(row)`: a row was chosen (click, Enter, Space). */
  constructor({ scroller, grid, body, onSelect }) {
    this.#scroller = scroller;
    this.#grid = grid;
    this.#body = body;
    this.#onSelect = onSelect;
    scroller.addEventListener('scroll', () => this.#drawSoon(), { passive: true });
    window.addEventListener('resize', () => this.#drawSoon());
    body.addEventListener('click', (event) => {
      const element = event.target.closest('[role="row"]');
      if (element) this.#choose(element.dataset.guid);
    });
    body.addEventListener('keydown', (event) => this.#key(event));
  }

  /** Shows `rows` (snapshots, in order) with `selected` (a GUID or null) selected. */
  show(rows, selected) {
    this.#rows = rows;
    this.#index = new Map(rows.map((row, i) => [row.guid, i]));
    this.#selected = selected;
    if (!this.#index.has(this.#focused)) this.#focused = selected ?? rows[0]?.guid ?? null;
    for (const guid of this.#elements.keys()) if (!this.#index.has(guid)) this.#drop(guid);
    this.#grid.setAttribute('aria-rowcount', String(rows.length + 1));
    this.#draw();
  }

  /** The height of one row in px (CSS --row-h). */
  #rowHeight() {
    return parseFloat(getComputedStyle(this.#body).getPropertyValue('--row-h')) || 40;
  }

  #drawSoon() {
    if (this.#drawing) return;
    this.#drawing = true;
    requestAnimationFrame(() => {
      this.#drawing = false;
      this.#draw();
    });
  }

  /** Draws the rows in view (and the focused one, wherever it is, so the focus is never lost). */
  #draw() {
    const height = this.#rowHeight();
    const total = `${this.#rows.length * height}px`;
    if (this.#body.style.height !== total) this.#body.style.height = total;
    const top = this.#scroller.scrollTop - this.#body.offsetTop;
    const first = Math.max(0, Math.floor(top / height) - OVERSCAN);
    const last = Math.min(this.#rows.length, Math.ceil((top + this.#scroller.clientHeight) / height) + OVERSCAN);
    const wanted = new Set();
    for (let i = first; i < last; i += 1) wanted.add(this.#rows[i].guid);
    if (this.#focused !== null && this.#index.has(this.#focused)) wanted.add(this.#focused);
    for (const guid of this.#elements.keys()) if (!wanted.has(guid)) this.#drop(guid);
    const elements = [...wanted]
      .sort((a, b) => this.#index.get(a) - this.#index.get(b))
      .map((guid) => this.#element(this.#rows[this.#index.get(guid)], height));
    // Elements already in place stay; only the order is fixed where needed.
    elements.forEach((element, i) => {
      if (this.#body.children[i] !== element) this.#body.insertBefore(element, this.#body.children[i] ?? null);
    });
  }

  #drop(guid) {
    const entry = this.#elements.get(guid);
    if (!entry) return;
    // The focused row is only dropped when its job left: the focus goes to the grid's next row.
    if (entry.element.contains(document.activeElement)) this.#refocusAfter(guid);
    entry.element.remove();
    this.#elements.delete(guid);
  }

  #refocusAfter(guid) {
    queueMicrotask(() => {
      if (document.activeElement !== document.body) return;
      const next = this.#focused && this.#elements.get(this.#focused);
      if (next) next.element.focus();
      else this.#grid.focus();
    });
    if (this.#focused === guid) this.#focused = this.#selected ?? this.#rows[0]?.guid ?? null;
  }

  #element(row, height) {
    let entry = this.#elements.get(row.guid);
    if (!entry) {
      entry = { element: this.#build(row.guid), key: null };
      this.#elements.set(row.guid, entry);
    }
    const { element } = entry;
    const index = this.#index.get(row.guid);
    const selected = row.guid === this.#selected;
    // Each written only when it differs: a row whose job did not change is not touched at all.
    const transform = `translateY(${index * height}px)`;
    if (element.style.transform !== transform) element.style.transform = transform;
    setAttribute(element, 'aria-rowindex', String(index + 2));
    setAttribute(element, 'aria-selected', String(selected));
    if (element.classList.contains('selected') !== selected) element.classList.toggle('selected', selected);
    const tabIndex = row.guid === this.#focused ? 0 : -1;
    if (element.tabIndex !== tabIndex) element.tabIndex = tabIndex;
    const key = rowKey(row);
    if (entry.key !== key) {
      entry.key = key;
      this.#fill(element, row);
    }
    return element;
  }

  #build(guid) {
    const element = document.createElement('div');
    element.setAttribute('role', 'row');
    element.className = 'jobs-row';
    element.dataset.guid = guid;
    const guidCell = cell('guid');
    const code = document.createElement('code');
    code.textContent = guid;
    guidCell.append(code);
    const state = cell('state');
    const badge = document.createElement('span');
    state.append(badge);
    const progress = cell('bar');
    const bar = document.createElement('progress');
    bar.max = 1;
    progress.append(bar);
    element.append(guidCell, cell('name'), cell('type'), state, progress, cell('priority'), cell('num files'));
    return element;
  }

  #fill(element, row) {
    const [, name, type, state, progress, priority, files] = element.children;
    name.textContent = shownName(row.name);
    name.title = row.name;
    type.textContent = row.type;
    const badge = state.firstChild;
    badge.className = `badge state-${row.state}`;
    badge.textContent = row.state;
    const bar = progress.firstChild;
    setBar(bar, row.progress, row.state);
    bar.setAttribute('aria-label', `progress of ${shownName(row.name)}`);
    priority.textContent = row.priority;
    files.textContent = String(row.fileCount);
  }

  #choose(guid) {
    if (!this.#index.has(guid)) return;
    this.#focused = guid;
    this.#onSelect(this.#rows[this.#index.get(guid)]);
  }

  #key(event) {
    const element = event.target.closest('[role="row"]');
    if (!element) return;
    const at = this.#index.get(element.dataset.guid);
    const page = Math.max(1, Math.floor(this.#scroller.clientHeight / this.#rowHeight()) - 1);
    const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: this.#rows.length - 1, PageDown: at + page, PageUp: at - page };
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.#choose(element.dataset.guid);
    } else if (event.key in moves) {
      event.preventDefault();
      this.#focusRow(Math.min(this.#rows.length - 1, Math.max(0, moves[event.key])));
    }
  }

  /** Moves the tab stop and the focus to row `index`, scrolling it into view. */
  #focusRow(index) {
    const guid = this.#rows[index]?.guid;
    if (guid === undefined) return;
    this.#focused = guid;
    const height = this.#rowHeight();
    const top = this.#body.offsetTop + index * height;
    const head = this.#body.offsetTop;
    if (top - head < this.#scroller.scrollTop) this.#scroller.scrollTop = top - head;
    else if (top + height > this.#scroller.scrollTop + this.#scroller.clientHeight) this.#scroller.scrollTop = top + height - this.#scroller.clientHeight;
    for (const [other, entry] of this.#elements) {
      const tabIndex = other === guid ? 0 : -1;
      if (entry.element.tabIndex !== tabIndex) entry.element.tabIndex = tabIndex;
    }
    this.#draw();
    this.#elements.get(guid)?.element.focus({ preventScroll: true });
  }
}
