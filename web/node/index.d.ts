// The types of the Node API (node/index.js), over the component's own types
// that jco writes into generated/ (`npm run build`).

import type { Job, JobManager } from '../generated/interfaces/bits-queue-manager.js';
import type { CallError, ErrorCode, Guid, JobState } from '../generated/interfaces/bits-queue-types.js';
import type * as Component from '../generated/bits-queue.js';

export type { Job, JobManager } from '../generated/interfaces/bits-queue-manager.js';
export type { AuthScheme, AuthTarget, CallError, Credentials, ErrorCode, FileInfo, FileProgress, Guid, JobError, JobPriority, JobState, JobTimes, JobType, Progress, QueueLimits } from '../generated/interfaces/bits-queue-types.js';

/** A notification the queue gave (contract §12), as `detail` of a 'notify' event. */
export interface NotifyDetail {
  guid: string;
  event: 'transferred' | 'error' | 'modification';
}

/** Bytes of a file now in place, as `detail` of a 'progress' event (a number: exact below 2^53). */
export interface ProgressDetail {
  guid: string;
  fileIndex: number;
  bytes: number;
}

/** A job the last stored batch named, as `detail` of the queue's 'change' event; `removed` when it left the queue. */
export interface ChangeDetail {
  guid: string;
  removed: boolean;
}

/** A watched job's new state, as `detail` of its 'state' event. */
export interface StateDetail {
  guid: string;
  state: JobState;
}

/** The queue's events. */
export interface QueueEventMap {
  notify: CustomEvent<NotifyDetail>;
  progress: CustomEvent<ProgressDetail>;
  change: CustomEvent<ChangeDetail>;
}

/** One job's events (`queue.eventsFor(job)`); the last 'state' is final when the job leaves the queue. */
export interface JobEventMap {
  notify: CustomEvent<NotifyDetail>;
  progress: CustomEvent<ProgressDetail>;
  state: CustomEvent<StateDetail>;
}

export interface JobEvents extends EventTarget {
  addEventListener<K extends keyof JobEventMap>(type: K, listener: (event: JobEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof JobEventMap>(type: K, listener: (event: JobEventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/** A job's progress as plain numbers; `bytesTotal` null while a file's size is unknown. */
export interface JsonProgress {
  bytesTotal: number | null;
  bytesTransferred: number;
  filesTotal: number;
  filesTransferred: number;
}

export interface WaitOptions {
  /** Milliseconds; then the promise rejects with an Error named 'TimeoutError'. */
  timeout?: number;
  /** Rejects with its reason when it aborts. */
  signal?: AbortSignal;
}

/** The engine host's callbacks (also available as events). */
export interface HostCallbacks {
  notify?(notice: { job: Guid; guid: string; event: NotifyDetail['event'] }): void;
  progress?(progress: { guid: string; fileIndex: number; bytes: bigint }): void;
  turn?(): void;
  fileError?(error: { path: string; reason: string }): void;
  /** After each Cancel-Session attempt for a cancelled upload's open session. */
  sessionCancel?(attempt: { sessionId: string; ended: boolean }): void;
  error?(error: Error): void;
}

export interface OpenQueueOptions {
  /**
   * The journal file's path: created on the first change (mode 0600),
   * restored at open. Credentials and write-only custom headers are kept in
   * `${journal}.secrets/` (0700, a 0600 file per job), never in the journal.
   */
  journal: string;
  events?: HostCallbacks;
  /** The fetch() to transfer with (globalThis.fetch by default). */
  fetch?: typeof globalThis.fetch;
  /** Absolute directories uploads may read their local files from (with symbolic links resolved); anywhere when absent. */
  allowRead?: string[];
  /** The upload fragment size in bytes: 4 MiB by default, at least 64 KiB (contract §14.3). */
  uploadFragment?: number;
}

export interface Queue extends EventTarget {
  /** The transpiled component (its `types`: guidToString, parseGuid, hresult). */
  readonly component: typeof Component;
  /**
   * The job manager. Its changing calls (createJob, and a job's set…, add…,
   * remove…, replace… and make… methods, resume, suspend, cancel, complete)
   * throw outside change(). Among them, contract §15: setCustomHeaders,
   * makeCustomHeadersWriteOnly, setCredentials, removeCredentials (secrets
   * go to the secret store); getCustomHeaders reads headers until they are
   * write-only (then a QueueError 'access-denied'). setProxySettings other
   * than preconfig, setClientCertificate, and TLS and redirect-policy
   * security flags are refused with a QueueError 'not-implemented'
   * (E_NOTIMPL): this host cannot honour them. setNotifyCmdLine's program
   * runs as this process's user (contract §16.1).
   */
  readonly jobs: JobManager;
  /** Runs `call` and resolves with its result once its file actions are done and its changes stored; a refusal rejects with a QueueError. */
  change<T>(call: () => T): Promise<T>;
  /** Resolves with the job's state once it is one of `states`; rejects on timeout, abort, close, or a final state not listed. */
  waitFor(job: Job, states: JobState[], options?: WaitOptions): Promise<JobState>;
  /** One job's events. */
  eventsFor(job: Job): JobEvents;
  /** The job's progress as plain numbers. */
  progress(job: Job): JsonProgress;
  /** Stops the transfers (they resume at the next open) and stores the queue; every later call rejects or throws. */
  close(): Promise<void>;
  addEventListener<K extends keyof QueueEventMap>(type: K, listener: (event: QueueEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof QueueEventMap>(type: K, listener: (event: QueueEventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/** A refusal by the queue: the call, the argument at fault (when one is), the error-code and its Windows name and HRESULT. */
export class QueueError extends Error {
  readonly name: 'QueueError';
  readonly code: ErrorCode | CallError;
  readonly windowsName: string;
  readonly hresult: number;
  readonly method: string;
  readonly argument: string | undefined;
}

/** Opens the queue stored in `options.journal` and starts transferring. Once per process. */
export function openQueue(options: OpenQueueOptions): Promise<Queue>;
