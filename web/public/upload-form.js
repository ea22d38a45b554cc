// The page's uploads: the person picks a file (<input type=file>); the page
// makes an upload job, copies the file into OPFS under /uploads/{GUID}/ (so
// a reload finds it and the upload resumes from the server's offset) and
// resumes the job. The copy is deleted once its job leaves the queue
// (uploadCopiesOf). Served by the dev server, the upload URL defaults to
// its BITS upload server.

const $ = (id) => document.getElementById(id);
/** The display name's limit, in UTF-16 code units. */
const MAX_NAME = 256;

/** Where the copies of picked files are kept: never listed as downloads. */
export const UPLOADS_DIR = '/uploads/';

/** The directory of the copy an upload job reads. */
const copyDir = (guid) => `${UPLOADS_DIR}${guid}/`;

/** Of the stored `paths`, the copies read by the jobs `guids` (which left the queue). */
export const uploadCopiesOf = (paths, guids) => paths.filter((path) => guids.some((guid) => path.startsWith(copyDir(guid))));

/** Reads the dev server's BITS endpoint, if the page is served by it. */
async function devServerUploads() {
  try {
    const response = await fetch('/control/state', { cache: 'no-store' });
    return response.ok ? ((await response.json()).uploads ?? null) : null;
  } catch {
    return null;
  }
}

/**
 * `files` is the OPFS layer (its `store`); `upload({ name, remote, local,
 * copy })` makes the job: `local(guid)` names its file, `copy(localName)`
 * stores the picked file there before the job resumes; `refuse(label,
 * text)` shows bad input (nothing is done).
 */
export async function wireUploadForm({ files, upload, refuse }) {
  const base = await devServerUploads();
  const remote = $('upload-remote');
  if (base) remote.placeholder = `${base}NAME (the dev server's BITS endpoint)`;
  $('upload-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const [file] = $('upload-file').files;
    if (!file) return refuse('upload', 'pick a file first');
    let url = remote.value.trim();
    if (url === '') {
      if (!base) return refuse('upload', 'an upload URL (http:// or https://) is required');
      url = `${base}${encodeURIComponent(file.name)}`;
    }
    if (!/^https?:\/\//i.test(url)) return refuse('upload', `the upload URL must be http:// or https://, not "${url}"`);
    const submit = $('upload-submit');
    submit.disabled = true;
    try {
      const made = await upload({
        name: file.name.slice(0, MAX_NAME),
        remote: url,
        local: (guid) => `${copyDir(guid)}${file.name}`,
        copy: (local) => files.store(local, file),
      });
      if (made) {
        $('upload-file').value = '';
        remote.value = '';
      }
    } finally {
      submit.disabled = false;
    }
  });
}
