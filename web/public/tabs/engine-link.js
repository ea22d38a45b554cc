// One engine per origin, however many tabs show the console. The tab that
// holds the Web Lock below hosts the engine (EngineHost: transfers, OPFS, the
// IndexedDB journal); every other tab follows it over a BroadcastChannel:
// it keeps its own instance of the component in step by `apply`ing the
// changes the host stored (contract §11: "to pick up what other hosts
// committed") and sends its changing calls to the host. So the journal and
// the files have one writer, and the queue's limits hold across tabs. When
// the hosting tab closes, its lock is released and a waiting tab takes it
// over: it opens the stored queue, reports the lost transfers, and they
// resume from their stored offsets.
//
// Messages (all on one channel, so each sender's are seen in order):
//   host → all:   { type: 'host-ready', host }            a new host serves
//                 { type: 'changes', host, seq, changes } a stored batch
//                 { type: 'notify', host, guid, event }
//                 { type: 'state', host, to, seq, changes } the whole queue, for `to`
//                 { type: 'reply', host, to, id, result | error }
//                 { type: 'files-changed', host }         a saved file was deleted
//   tab → host:   { type: 'hello', from }                  asks for 'state'
//                 { type: 'remove-file', from, id, path }  deletes a saved file
//                 { type: 'call', from, id, op }           a queue-ops.js op

import { EngineHost } from '../engine/host.js';
import { dispose } from '../jobs.js';
import { perform } from '../queue-ops.js';
import { mirrorJournal } from './mirror-journal.js';

export const LOCK_NAME = 'bits-queue-engine-host';
export const CHANNEL_NAME = 'bits-queue-engine';

/** A refusal as a message and back: the payload (the error-code) survives. */
const errorMessage = (error) => ({ message: String(error?.message ?? error), payload: error?.payload });
const errorFrom = ({ message, payload }) => Object.assign(new Error(message), payload === undefined ? {} : { payload });

/** The ids of every job the instance holds. */
function heldIds(jobManager) {
  const handles = jobManager.enumJobs();
  try {
    return handles.map((job) => job.getId());
  } finally {
    handles.forEach(dispose);
  }
}

/**
 * Connects this tab. `platform()` gives { files, journal, sources, secrets } when the tab
 * becomes the host. `events`: role(role) ('follower' | 'host'),
 * changed(changes | null) (null: everything may have changed), notify({ job,
 * guid, event }), online(retried GUIDs) (the hosting tab retried jobs as
 * the network came back), and the engine host's fileError and error. Returns
 * { call(op) → GUID, ready (a promise), role() }.
 */
export function openEngineLink({ component, jobManager, platform, events }) {
  const { types } = component;
  const channel = new BroadcastChannel(CHANNEL_NAME);
  const tab = crypto.randomUUID();
  let role = 'follower';
  let host = null; // this tab's EngineHost once it hosts
  let mirror = null;
  let seq = 0;
  // Following: the host this tab is in step with, and the last batch applied.
  let following = null;
  let followedSeq = 0;
  const pending = new Map(); // call id → { resolve, reject }
  let nextCall = 1;
  let hostOpened = null;
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));

  const post = (message) => channel.postMessage({ ...message, host: tab });

  function applyChanges(changes) {
    if (changes.length > 0) component.journal.apply(changes);
  }

  /** Makes this instance hold exactly `changes`' jobs (a host's whole queue). */
  function syncTo(changes) {
    const listed = new Set(changes.filter((change) => change.tag === 'put').map((change) => types.guidToString(change.val.id)));
    const gone = heldIds(jobManager).filter((id) => !listed.has(types.guidToString(id)));
    applyChanges([...changes, ...gone.map((id) => ({ tag: 'remove', val: id }))]);
  }

  function onFollowerMessage(data) {
    if (data.type === 'host-ready') {
      following = null;
      channel.postMessage({ type: 'hello', from: tab });
    } else if (data.type === 'state' && data.to === tab) {
      syncTo(data.changes);
      following = data.host;
      followedSeq = data.seq;
      events.changed?.(null);
      markReady();
    } else if (data.type === 'changes' && data.host === following && data.seq > followedSeq) {
      if (data.seq !== followedSeq + 1) {
        // A batch went missing: start again from the host's whole queue.
        following = null;
        channel.postMessage({ type: 'hello', from: tab });
        return;
      }
      followedSeq = data.seq;
      applyChanges(data.changes);
      events.changed?.(data.changes);
    } else if (data.type === 'files-changed' && data.host === following) {
      events.filesChanged?.();
    } else if (data.type === 'notify' && data.host === following) {
      events.notify?.({ job: types.parseGuid(data.guid), guid: data.guid, event: data.event });
    } else if (data.type === 'reply' && data.to === tab) {
      const call = pending.get(data.id);
      pending.delete(data.id);
      if (data.error) call?.reject(errorFrom(data.error));
      else call?.resolve(data.result);
    }
  }

  async function onHostMessage(data) {
    // Messages that arrive while the stored queue is being opened wait for it.
    await hostOpened;
    if (data.type === 'hello') {
      channel.postMessage({ type: 'state', host: tab, to: data.from, seq, changes: mirror.snapshot() });
    } else if (data.type === 'remove-file') {
      let reply = { result: null };
      try {
        await removeFile(data.path);
      } catch (error) {
        reply = { error: errorMessage(error) };
      }
      channel.postMessage({ type: 'reply', host: tab, to: data.from, id: data.id, ...reply });
    } else if (data.type === 'call') {
      let reply;
      try {
        reply = { result: await host.change(() => perform(data.op, jobManager, types)) };
      } catch (error) {
        reply = { error: errorMessage(error) };
      }
      channel.postMessage({ type: 'reply', host: tab, to: data.from, id: data.id, ...reply });
    }
  }

  channel.onmessage = ({ data }) => {
    if (role === 'host') {
      onHostMessage(data).catch((error) => events.error?.(error));
    } else {
      try {
        onFollowerMessage(data);
      } catch (error) {
        events.error?.(error);
      }
    }
  };

  /** Deletes a saved (committed) file; a temporary file belongs to its job. */
  async function removeFile(path) {
    if (/[\\/]BIT[0-9A-F]+\.tmp$/i.test(path)) throw new Error(`${path} is a job's temporary file: cancel or complete the job instead`);
    const [failed] = await platformFiles.discard([path]);
    if (failed) throw new Error(`${failed.path}: ${failed.reason}`);
    post({ type: 'files-changed' });
  }

  let platformFiles = null;

  async function becomeHost() {
    role = 'host';
    following = null;
    // Calls sent to the host that closed are lost with it.
    for (const call of pending.values()) call.reject(new Error('the tab that hosted the engine closed before answering; nothing is known of this call, look before trying again'));
    pending.clear();
    const { files, journal, sources, secrets } = platform();
    platformFiles = files;
    mirror = mirrorJournal(journal, {
      held: () => heldIds(jobManager),
      saved: (changes) => {
        post({ type: 'changes', seq: ++seq, changes });
        events.changed?.(changes);
      },
    });
    host = new EngineHost({
      component,
      files,
      sources,
      secrets,
      journal: mirror,
      events: {
        notify: (notice) => {
          post({ type: 'notify', guid: notice.guid, event: notice.event });
          events.notify?.(notice);
        },
        fileError: events.fileError,
        error: events.error,
      },
    });
    // The network is back: what waits to retry goes now, not at its timer.
    window.addEventListener('online', () => {
      host
        .retryTransient()
        .then((retried) => events.online?.(retried))
        .catch((error) => events.error?.(error));
    });
    hostOpened = host.open();
    await hostOpened;
    events.role?.('host');
    events.changed?.(null);
    post({ type: 'host-ready' });
    markReady();
  }

  // Held until the tab goes away (the promise never settles): closing or
  // reloading the tab releases it, and the next tab waiting gets it.
  navigator.locks
    .request(LOCK_NAME, () =>
      becomeHost().then(
        () => new Promise(() => {}),
        (error) => {
          events.error?.(error);
          throw error;
        },
      ),
    )
    .catch((error) => events.error?.(error));
  // Until the lock is ours, follow whoever holds it.
  events.role?.('follower');
  channel.postMessage({ type: 'hello', from: tab });

  return {
    ready,
    role: () => role,
    /** Runs a queue-ops.js op where the engine is hosted; resolves with the job's GUID once this tab shows its changes. */
    call(op) {
      if (role === 'host') return host.change(() => perform(op, jobManager, types));
      return new Promise((resolve, reject) => {
        const id = nextCall++;
        pending.set(id, { resolve, reject });
        channel.postMessage({ type: 'call', from: tab, id, op });
      });
    },
    /** Deletes a saved file, through the hosting tab (the files have one writer). */
    removeFile(path) {
      if (role === 'host') return hostOpened.then(() => removeFile(path));
      return new Promise((resolve, reject) => {
        const id = nextCall++;
        pending.set(id, { resolve, reject });
        channel.postMessage({ type: 'remove-file', from: tab, id, path });
      });
    },
    /** Closes the engine host, if this tab runs it (the page is going away). */
    close: () => host?.close(),
  };
}
