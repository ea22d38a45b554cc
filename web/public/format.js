// How the console writes sizes, rates, durations and times.

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB"; bigints and numbers alike. */
export function formatBytes(value) {
  let n = Number(value);
  let unit = 0;
  while (n >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} bytes` : `${n.toFixed(n < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** 95 → "1 min 35 s". */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A WASI datetime as the visitor's local date and time, or "—" for none. */
export function formatDatetime(datetime) {
  if (!datetime) return '—';
  const ms = Number(datetime.seconds) * 1000 + Math.floor(datetime.nanoseconds / 1e6);
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
