// An inline question before an action that deletes bytes (cancel, and
// complete while files have not fully arrived): the safe answer has the
// focus, Escape answers it, and the focus goes back where it came from.

/**
 * `box` holds the question and two buttons, `yes` and `no`. Returns
 * { open(opener), close() }; `onYes()` runs after the box is closed.
 */
export function wireConfirm({ box, yes, no, onYes }) {
  let opener = null;
  const close = ({ refocus = true } = {}) => {
    const back = opener;
    opener = null;
    if (box.hidden) return;
    box.hidden = true;
    if (refocus) back?.focus();
  };
  no.addEventListener('click', () => close());
  yes.addEventListener('click', () => {
    close();
    onYes();
  });
  box.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    close();
  });
  return {
    open(from) {
      opener = from;
      box.hidden = false;
      no.focus();
    },
    close: () => close({ refocus: false }),
    get isOpen() {
      return !box.hidden;
    },
  };
}
