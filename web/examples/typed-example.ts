// The Node API from TypeScript, checked by `npm run typecheck` (tsc --noEmit)
// against node/index.d.ts: a download job, its events, waitFor with a
// timeout and a signal, a bearer token and a write-only header (contract
// §15.1–§15.2), and a refusal read as a QueueError.

import { QueueError, openQueue } from 'bits-queue-web';
import type { Credentials, Job, JobState, JsonProgress, Queue } from 'bits-queue-web';

export async function download(url: string, local: string, journal: string, token?: string): Promise<JsonProgress> {
  const queue: Queue = await openQueue({ journal, events: { error: (error: Error) => console.error(error.message) } });
  queue.addEventListener('notify', (event) => console.log(event.detail.guid, event.detail.event));
  const job: Job = await queue.change(() => {
    const created = queue.jobs.createJob('typed example', 'download');
    created.addFile(url, local);
    created.setMinimumRetryDelay(5);
    if (token !== undefined) {
      const bearer: Credentials = { target: 'server', scheme: 'bearer', userName: '', password: token };
      created.setCredentials(bearer);
      created.setCustomHeaders('X-Client: typed example\r\n');
      created.makeCustomHeadersWriteOnly();
    }
    created.resume();
    return created;
  });
  const events = queue.eventsFor(job);
  events.addEventListener('progress', (event) => console.log(JSON.stringify(event.detail)));
  events.addEventListener('state', (event) => console.log(`${event.detail.guid}: ${event.detail.state}`));
  const stop = new AbortController();
  const state: JobState = await queue.waitFor(job, ['transferred', 'error'], { timeout: 600_000, signal: stop.signal });
  try {
    if (state === 'transferred') await queue.change(() => job.complete());
    else await queue.change(() => job.cancel());
  } catch (error) {
    if (error instanceof QueueError) console.error(`${error.method} ${error.argument ?? ''}: ${error.windowsName} 0x${error.hresult.toString(16)}`);
    throw error;
  }
  const progress = queue.progress(job);
  await queue.close();
  return progress;
}
