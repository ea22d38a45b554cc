// The dev server's test downloads in the page: a button per test file (a
// download job with that one file, resumed at once) and the switch that
// drops the next download halfway. Shown only when the page is served by
// server.js, which answers /control/state.

import { formatBytes } from './format.js';

const $ = (id) => document.getElementById(id);

async function control(path, method = 'GET') {
  const response = await fetch(path, { method, cache: 'no-store' });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}`);
  return response.json();
}

/** `download(name, url)` starts a job; `log(text, kind)` writes to the activity log. */
export async function wireTestFiles({ download, log }) {
  let state;
  try {
    state = await control('/control/state');
  } catch {
    return; // another server: no test files
  }
  $('test-file-buttons').replaceChildren(
    ...state.files.map(({ name, size, url }) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.testFile = name;
      button.textContent = `Download ${name} (${formatBytes(size)})`;
      button.addEventListener('click', () => download(name, url));
      return button;
    }),
  );
  const drop = $('drop-next');
  drop.checked = state.dropNext;
  // The server turns the switch off once it has dropped a download.
  let watching = null;
  const watch = () => {
    clearInterval(watching);
    if (!drop.checked) return;
    watching = setInterval(async () => {
      const now = await control('/control/state').catch(() => null);
      if (now && !now.dropNext) {
        drop.checked = false;
        clearInterval(watching);
        log('the dev server dropped a download halfway', 'notify');
      }
    }, 1000);
  };
  drop.addEventListener('change', async () => {
    try {
      const now = await control(`/control/drop-next?on=${drop.checked ? 1 : 0}`, 'POST');
      drop.checked = now.dropNext;
      log(now.dropNext ? 'the next download will be dropped halfway' : 'downloads will not be dropped');
      watch();
    } catch (error) {
      log(`drop switch: ${error.message}`, 'error');
    }
  });
  $('test-files').hidden = false;
}
