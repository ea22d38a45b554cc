// Transfer rates for the progress bars, from the byte counts the page sees
// at each redraw: the rate over the last few seconds of samples, so a
// stalled or resumed transfer shows what it does now, not its average.

const WINDOW_MS = 4000;

export class RateMeter {
  #samples = new Map(); // guid → [{ t, bytes }]

  /** Records that job `guid` had `bytes` at time `t` (ms); a restart (fewer bytes) starts over. */
  sample(guid, bytes, t = performance.now()) {
    const n = Number(bytes);
    let samples = this.#samples.get(guid);
    if (!samples || (samples.length > 0 && n < samples.at(-1).bytes)) {
      samples = [];
      this.#samples.set(guid, samples);
    }
    if (samples.length === 0 || samples.at(-1).bytes !== n || t - samples.at(-1).t > 500) samples.push({ t, bytes: n });
    while (samples.length > 2 && t - samples[0].t > WINDOW_MS) samples.shift();
  }

  /** Bytes per second for `guid`, or null while too little is known. */
  rate(guid) {
    const samples = this.#samples.get(guid);
    if (!samples || samples.length < 2) return null;
    const first = samples[0];
    const last = samples.at(-1);
    const seconds = (last.t - first.t) / 1000;
    return seconds > 0.2 ? (last.bytes - first.bytes) / seconds : null;
  }

  /** Forgets jobs no longer shown. */
  keepOnly(guids) {
    for (const guid of this.#samples.keys()) if (!guids.has(guid)) this.#samples.delete(guid);
  }
}
