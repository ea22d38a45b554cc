// The engine and journal host (contract §10–§12), shared by the page and
// Node: it polls the component, carries out its actions (start, stop,
// commit, discard, notify), passes the transfers' reports back, keeps the
// journal stored after every changing call and wakes at `next-wake`.
//
// The platform supplies two small layers (see platform/ and ../../node/):
//   files:   open(temporaryName, localName) → { size, truncate, write, flush, close },
//            commit(moves) → [{ path, reason }], discard(names) → [{ path, reason }]
//   journal: load() → changes to `apply`, save(changes) (in order, one after another)
//   sources: open(localName) → { snapshot, read, close }: an upload's local
//            file (engine/upload.js); without it the host does not upload
//   secrets: the secret store (engine/secrets.js): credentials and
//            write-only custom headers, never in the journal
//   runCommand(command, guid, event) → exit code | null: runs a job's
//            notify program (contract §16.1); without it (a browser) the
//            host never takes them, and a due run waits in the job
//
// Every call into the component is synchronous, so the host needs no locks;
// what it orders is its own asynchronous work: one "turn" at a time (poll,
// take the changes, carry out the file actions, then store the changes, as
// §10 asks: file actions first, then the call's changes), and every
// changing call is followed by a turn. Each turn also takes the secret ops
// (take-secret-ops, contract §15.2) and carries them out in the secret store
// before anything is started or stored, and forgets a job's secrets once its
// removal is stored (or, with a Cancel-Session pending, once that ends).

import { runTransfer } from './transfer.js';
import { DEFAULT_FRAGMENT, runUpload } from './upload.js';
import { sendCancels } from './session-cancels.js';
import { RequestAuth, refusedSetting } from './auth.js';
import { WEB_HASHES } from './digest.js';
import { memorySecrets, plainOps } from './secrets.js';

const fileKey = (types, file) => `${types.guidToString(file.job)}#${file.fileIndex}`;

/** Whether `error` is the queue refusing a call (jco's ComponentError with an error-code). */
const isRefusal = (error) => error instanceof Error && typeof error.payload === 'string';

export class EngineHost {
  #component;
  #files;
  #sources;
  #fragmentSize;
  #journal;
  #fetch;
  #events;
  #secrets;
  #hashes;
  #runCommand;
  #manager;
  /** fileKey → { file, temporaryName, controller, done } for transfers this host runs. */
  #transfers = new Map();
  /** temporaryName → promise settled when the transfer writing it has closed the file. */
  #writing = new Map();
  #turns = Promise.resolve();
  #turnPending = false;
  #timer = null;
  #closed = false;

  /**
   * @param component  the transpiled module (its manager, engine, journal, types)
   * @param files, journal, sources  the platform layers (sources: uploads' local files)
   * @param fetch  the fetch() to transfer with
   * @param fragmentSize  the upload fragment size in bytes (contract §14.3)
   * @param secrets  the secret store (engine/secrets.js; in memory when not given)
   * @param hashes  digest's hashes (engine/digest.js): SHA-256 unless more are given
   * @param runCommand  runs a notify program (Node: node/notify.js), or null
   * @param events  optional callbacks: notify({ job, guid, event }), turn(),
   *   progress({ guid, fileIndex, bytes }), fileError({ path, reason }), error(error)
   */
  constructor({ component, files, journal, sources = null, fragmentSize = DEFAULT_FRAGMENT, fetch = globalThis.fetch.bind(globalThis), events = {}, secrets = memorySecrets(), hashes = WEB_HASHES, runCommand = null }) {
    this.#component = component;
    this.#files = files;
    this.#sources = sources;
    this.#fragmentSize = fragmentSize;
    this.#journal = journal;
    this.#fetch = fetch;
    this.#events = events;
    this.#secrets = secrets;
    this.#hashes = hashes;
    this.#runCommand = runCommand;
    this.#manager = new component.manager.JobManager();
  }

  /** The transfers running now, as `guid#fileIndex` keys. */
  get running() {
    return [...this.#transfers.keys()];
  }

  /**
   * Restores the stored queue (`apply`), queues again the transfers that
   * died with the last host (`report-lost`), and starts transferring.
   */
  async open() {
    const stored = await this.#journal.load();
    const { journal } = this.#component;
    if (stored.length > 0) {
      try {
        journal.apply(stored);
      } catch (error) {
        if (isRefusal(error)) throw new Error(`the stored queue cannot be read (${error.payload}); nothing was restored`);
        throw error;
      }
    }
    // This host reads every order's details (HTTP settings among them), so
    // the component starts downloads with headers or credentials here too.
    this.#component.engine.declareOrderDetails?.();
    // Secrets of jobs no longer in the queue (a removal stored just before
    // the last host ended) are forgotten.
    await this.#secrets.keepOnly(this.#heldGuids());
    this.#recoverLost();
    await this.#schedule();
  }

  #heldGuids() {
    const handles = this.#manager.enumJobs();
    try {
      return handles.map((job) => this.#component.types.guidToString(job.getId()));
    } finally {
      for (const job of handles) job[Symbol.dispose ?? Symbol.for('dispose')]?.();
    }
  }

  /**
   * Runs `call` (a changing call into the queue: create-job, resume, cancel,
   * set-limits, …), then a turn: its file actions are done and its changes
   * stored when the promise resolves. A refusal rejects it and changes nothing.
   */
  async change(call) {
    if (this.#closed) throw new Error('the engine host is closed');
    const result = call();
    await this.#schedule();
    return result;
  }

  /**
   * Retries at once every job waiting in `transient-error` (the network came
   * back): a client's `resume`, which queues it straight away (§10), as BITS
   * retries when the network returns. Resolves with their GUIDs once stored.
   */
  async retryTransient() {
    const retried = [];
    await this.change(() => {
      const handles = this.#manager.enumJobs();
      try {
        for (const job of handles) {
          if (job.getState() !== 'transient-error') continue;
          job.resume();
          retried.push(this.#component.types.guidToString(job.getId()));
        }
      } finally {
        for (const job of handles) job[Symbol.dispose ?? Symbol.for('dispose')]?.();
      }
    });
    return retried;
  }

  /** Stops every transfer (they are reported lost, so they resume next time) and stores the queue. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const entry of this.#transfers.values()) {
      entry.controller.abort();
      this.#call(() => this.#component.engine.reportLost(entry.file));
    }
    this.#transfers.clear();
    await Promise.all(this.#writing.values());
    await this.#turns;
    await this.#save();
    this.#manager[Symbol.dispose ?? Symbol.for('dispose')]?.();
  }

  /** Jobs stored as connecting or transferring had their transfer die with the last host. */
  #recoverLost() {
    const handles = this.#manager.enumJobs();
    try {
      for (const job of handles) {
        const state = job.getState();
        if (state !== 'connecting' && state !== 'transferring') continue;
        const fileIndex = job.getFileProgress().findIndex((file) => !file.completed);
        if (fileIndex >= 0) this.#call(() => this.#component.engine.reportLost({ job: job.getId(), fileIndex }));
      }
    } finally {
      for (const job of handles) job[Symbol.dispose ?? Symbol.for('dispose')]?.();
    }
  }

  /** Queues one turn after those pending; callers joining a turn not yet begun share it. */
  #schedule() {
    if (!this.#turnPending) {
      this.#turnPending = true;
      this.#turns = this.#turns.then(() => {
        this.#turnPending = false;
        return this.#turn().catch((error) => this.#events.error?.(error));
      });
    }
    return this.#turns;
  }

  async #turn() {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    const { engine } = this.#component;
    const actions = engine.poll();
    // Notify programs due: taking them marks them running, a change stored with the rest.
    const commands = this.#runCommand ? (engine.takeNotifyCommands?.() ?? []) : [];
    const changes = this.#component.journal.takeChanges();
    // Secrets first: a transfer this turn starts may read them.
    await this.#carryOutSecretOps();
    for (const action of actions) await this.#carryOut(action);
    await this.#journal.save(changes);
    // A cancelled upload's open session is ended with Cancel-Session.
    const cancels = actions.length > 0 && this.#sources ? (engine.takeSessionCancels?.() ?? []) : [];
    const guidText = this.#component.types.guidToString;
    const cancelling = new Set(cancels.map((cancel) => guidText(cancel.job)));
    for (const change of changes) {
      if (change.tag === 'remove' && !cancelling.has(guidText(change.val))) await this.#forgetSecrets(guidText(change.val));
    }
    for (const command of commands) this.#runNotify(command);
    if (cancels.length > 0) {
      sendCancels(cancels, {
        fetch: this.#fetch,
        events: this.#events,
        authFor: (cancel) => this.#authFor(guidText(cancel.job), cancel.http, [cancel.targetUrl]),
        done: (cancel) => this.#forgetSecrets(guidText(cancel.job)),
      });
    }
    this.#events.turn?.();
    this.#wakeAt(engine.nextWake());
  }

  /** Stores what changed outside a turn (close's report-lost calls). */
  async #save() {
    const changes = this.#component.journal.takeChanges();
    await this.#carryOutSecretOps();
    await this.#journal.save(changes);
  }

  /**
   * Takes the secret ops (a component without take-secret-ops gives none)
   * and carries them out. The component's call cannot be undone, so a store
   * that fails is reported and the changes are stored anyway: the job then
   * holds a slot with no secret, and sends nothing for it.
   */
  async #carryOutSecretOps() {
    const ops = this.#component.engine.takeSecretOps?.() ?? [];
    if (ops.length === 0) return;
    try {
      await this.#secrets.apply(plainOps(ops, this.#component.types.guidToString));
    } catch (error) {
      this.#events.error?.(new Error(`the secret store failed (${error.message}); the job's credentials or write-only headers were not kept`));
    }
  }

  /** Runs one notify program once its running mark is stored, then reports how it ended. */
  #runNotify({ job, event, command }) {
    const guid = this.#component.types.guidToString(job);
    Promise.resolve()
      .then(() => this.#runCommand(command, guid, event))
      .catch(() => null)
      .then((code) => {
        if (this.#closed) return;
        // A refusal: the job left the state, or the queue, meanwhile.
        this.#call(() => this.#component.engine.reportCommandExit(job, event, code ?? undefined));
        this.#schedule();
      });
  }

  /** Forgets a job's secrets; one that cannot be deleted is reported (the job is gone either way). */
  async #forgetSecrets(guid) {
    try {
      await this.#secrets.forget(guid);
    } catch (error) {
      this.#events.error?.(new Error(`the secrets of ${guid} could not be deleted: ${error.message}`));
    }
  }

  /** The RequestAuth of job `guid` with HTTP settings `http`, its headers and credentials for `origins`' origins. */
  #authFor(guid, http, origins) {
    return RequestAuth.forOrder({ http, job: guid, secrets: this.#secrets, origins, hashes: this.#hashes });
  }

  /**
   * What an order's transfer carries (auth.js), or the failure that ends
   * it: a setting this host cannot honour is refused, never ignored
   * (contract §14.1), and so is a secret store that cannot be read.
   */
  async #prepare(order, details, upload) {
    const http = details?.http;
    if (!http) return { auth: RequestAuth.none, method: 'GET' };
    const unsupported = (why) => ({ failure: { tag: 'unsupported', val: `this host does not offer ${why}` } });
    const refused = refusedSetting(http, { redirects: order.jobType !== 'upload' });
    if (refused !== null) return unsupported(refused);
    const origins = upload ? [order.remoteName, details.upload?.targetUrl ?? order.remoteName] : [order.remoteName];
    let auth;
    try {
      auth = await this.#authFor(this.#component.types.guidToString(order.file.job), http, origins);
    } catch (error) {
      return { failure: { tag: 'local-io', val: `the secret store cannot be read: ${error.message}` } };
    }
    const dropped = auth.dropped(origins[0]);
    if (dropped !== null) return unsupported(dropped);
    return { auth, method: http.method };
  }

  /** A timer for `next-wake`: the component has something to do then on its own. */
  #wakeAt(wake) {
    if (wake === undefined || this.#closed) return;
    const at = Number(wake.seconds) * 1000 + Math.floor(wake.nanoseconds / 1e6);
    // setTimeout holds at most 2^31-1 ms; a later wake is re-armed then.
    const delay = Math.min(Math.max(0, at - Date.now()), 0x7fff_ffff);
    this.#timer = setTimeout(() => this.#schedule(), delay);
    // In Node a pending retry does not keep the process alive by itself.
    this.#timer?.unref?.();
  }

  async #carryOut(action) {
    switch (action.tag) {
      case 'start':
        return this.#start(action.val);
      case 'stop':
        return this.#stop(action.val);
      case 'commit':
        await this.#afterWriters(action.val.map((move) => move.temporaryName));
        return this.#reportFileErrors(await this.#files.commit(action.val));
      case 'discard':
        await this.#afterWriters(action.val);
        return this.#reportFileErrors(await this.#files.discard(action.val));
      case 'notify': {
        const [job, event] = action.val;
        return this.#events.notify?.({ job, guid: this.#component.types.guidToString(job), event });
      }
      default:
        throw new Error(`unknown engine action ${action.tag}`);
    }
  }

  /** A stopped transfer may still be closing its file: commit and discard wait for it. */
  async #afterWriters(temporaryNames) {
    await Promise.all(temporaryNames.map((name) => this.#writing.get(name)));
  }

  #reportFileErrors(errors) {
    for (const error of errors) this.#events.fileError?.(error);
  }

  #start(order) {
    const key = fileKey(this.#component.types, order.file);
    const entry = { file: order.file, temporaryName: order.temporaryName, controller: new AbortController() };
    const upload = order.jobType !== 'download';
    // An upload's phase, session and reply file are in its details; its
    // only file written is the reply's temporary one. Every order's HTTP
    // settings are there too.
    const details = this.#component.engine.getOrderDetails?.(order.file);
    const written = upload ? details?.upload?.replyTemporaryName : order.temporaryName;
    const sink = {
      connected: (size, validator) => this.#connected(entry, size, validator),
      progress: (bytes) => this.#progress(entry, bytes),
    };
    const { engine } = this.#component;
    const uploadSink = {
      ...sink,
      acknowledged: sink.progress,
      session: (id, hostId, fallback) => this.#report(entry, () => engine.reportSession(entry.file, id, hostId, fallback)),
      replyUrl: (url) => this.#report(entry, () => engine.reportReplyUrl(entry.file, url)),
      replyConnected: (size, validator, offset) => this.#report(entry, () => engine.reportReplyConnected(entry.file, size, validator, offset)),
      replyProgress: (bytes) => this.#report(entry, () => engine.reportReplyProgress(entry.file, bytes)),
      replyDone: (data) => this.#report(entry, () => engine.reportReplyDone(entry.file, data)),
    };
    const platform = { files: this.#files, fetch: this.#fetch, signal: entry.controller.signal };
    let run;
    if (upload && this.#sources === null) run = Promise.resolve({ failure: { tag: 'unsupported', val: 'this host does not upload' } });
    else {
      run = this.#prepare(order, details, upload).then(({ failure, auth, method }) => {
        if (failure) return { failure };
        if (entry.controller.signal.aborted) return { stopped: true };
        if (!upload) return runTransfer(order, { ...platform, details, sink, auth, method });
        return runUpload(order, { ...platform, details, sources: this.#sources, sink: uploadSink, fragmentSize: this.#fragmentSize, auth });
      });
    }
    entry.done = run
      .catch((error) => ({ failure: { tag: 'local-io', val: String(error?.message ?? error) } }))
      .then((outcome) => this.#finish(key, entry, outcome));
    this.#transfers.set(key, entry);
    if (written === undefined) return;
    const writing = entry.done.then(() => {
      if (this.#writing.get(written) === writing) this.#writing.delete(written);
    });
    this.#writing.set(written, writing);
  }

  #stop(file) {
    const key = fileKey(this.#component.types, file);
    this.#transfers.get(key)?.controller.abort();
    this.#transfers.delete(key);
  }

  /** A report: true if the queue took it; a refusal ends the transfer (the job moved on). */
  #report(entry, call) {
    if (entry.controller.signal.aborted) return false;
    const taken = this.#call(call);
    if (!taken) {
      entry.controller.abort();
      this.#transfers.forEach((value, key) => value === entry && this.#transfers.delete(key));
    }
    this.#schedule();
    return taken;
  }

  /** Calls into the queue; false for a refusal (anything else propagates). */
  #call(call) {
    try {
      call();
      return true;
    } catch (error) {
      if (isRefusal(error)) return false;
      throw error;
    }
  }

  #connected(entry, size, validator) {
    if (!this.#report(entry, () => this.#component.engine.reportConnected(entry.file, size, validator))) return null;
    return this.#bytesHeld(entry.file);
  }

  #progress(entry, bytes) {
    const taken = this.#report(entry, () => this.#component.engine.reportProgress(entry.file, bytes));
    if (taken) {
      const guid = this.#component.types.guidToString(entry.file.job);
      this.#events.progress?.({ guid, fileIndex: entry.file.fileIndex, bytes });
    }
    return taken;
  }

  /** The bytes of the file the component counts (0 when it restarted the file), or null if it is gone. */
  #bytesHeld(file) {
    let job;
    try {
      job = this.#manager.getJob(file.job);
      return job.getFileProgress()[file.fileIndex]?.bytesTransferred ?? null;
    } catch (error) {
      if (isRefusal(error)) return null;
      throw error;
    } finally {
      job?.[Symbol.dispose ?? Symbol.for('dispose')]?.();
    }
  }

  #finish(key, entry, outcome) {
    if (this.#transfers.get(key) === entry) this.#transfers.delete(key);
    if (outcome.stopped || entry.controller.signal.aborted || this.#closed) return;
    const { engine } = this.#component;
    if (outcome.done) this.#call(() => engine.reportDone(entry.file));
    else if (outcome.lost) this.#call(() => engine.reportLost(entry.file));
    else if (outcome.detail) this.#call(() => engine.reportFailureDetail(entry.file, outcome.detail));
    else this.#call(() => engine.reportFailure(entry.file, outcome.failure));
    this.#schedule();
  }
}
