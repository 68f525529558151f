// Units: durations and offsets are nanoseconds (numbers); wall-clock times are epoch milliseconds.

export function duration(ns) {
  if (!Number.isFinite(ns)) return '–';
  const a = Math.abs(ns);
  const sign = ns < 0 ? '-' : '';
  if (a < 1_000) return sign + Math.round(a) + 'ns';
  if (a < 1_000_000) return sign + trim(a / 1_000) + 'µs';
  if (a < 1_000_000_000) return sign + trim(a / 1_000_000) + 'ms';
  if (a < 60_000_000_000) return sign + trim(a / 1_000_000_000) + 's';
  const totalS = Math.round(a / 1_000_000_000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const sec = totalS % 60;
  return sign + (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + sec + 's';
}

function trim(x) {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return stripZeros(x.toFixed(1));
  return stripZeros(x.toFixed(2));
}

function stripZeros(t) {
  return t.includes('.') ? t.replace(/\.?0+$/, '') : t;
}

function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}

/** Local date and time with milliseconds: 2024-05-01 12:00:03.141. */
export function dateTime(ms) {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '–';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function time(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function ago(ms, now = Date.now()) {
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return 'in the future';
  if (s < 60) return s + 's ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return Math.round(s / 86400) + ' d ago';
}

export function percent(x) {
  if (!Number.isFinite(x)) return '–';
  return (x * 100).toFixed(x > 0 && x < 0.01 ? 2 : 1).replace(/\.0+$/, '') + '%';
}

export function count(n) {
  return Number(n).toLocaleString('en-US');
}

// Distinct hues that stay readable as bar fills in light and dark mode.
const PALETTE = [
  '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f',
  '#6b8cce', '#e15759', '#8cd17d', '#d37295', '#86bcb6', '#f1ce63', '#a0cbe8', '#ffbe7d',
  '#499894', '#d4a6c8', '#b6992d', '#79706e',
];

/** A stable colour per service, the same on every page. */
export function serviceColor(name) {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return PALETTE[(h >>> 0) % PALETTE.length];
}

/** Parses a Go-style duration such as 1.5s, 300ms, 2m, 100us, 1h30m into nanoseconds; null if not one. */
export function parseDuration(text) {
  const t = String(text).trim();
  if (!t) return null;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit = {ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9};
  let total = 0;
  let m;
  let consumed = 0;
  while ((m = re.exec(t)) !== null) {
    total += parseFloat(m[1]) * unit[m[2]];
    consumed = re.lastIndex;
  }
  return consumed === t.length && consumed > 0 ? total : null;
}

/** Lookback choices for time ranges: label and milliseconds. */
export const LOOKBACKS = [
  ['5m', 'Last 5 minutes', 5 * 60e3],
  ['15m', 'Last 15 minutes', 15 * 60e3],
  ['1h', 'Last hour', 3600e3],
  ['6h', 'Last 6 hours', 6 * 3600e3],
  ['12h', 'Last 12 hours', 12 * 3600e3],
  ['24h', 'Last 24 hours', 24 * 3600e3],
  ['2d', 'Last 2 days', 2 * 86400e3],
  ['7d', 'Last 7 days', 7 * 86400e3],
];

export function lookbackMs(key, fallback = 3600e3) {
  const found = LOOKBACKS.find((l) => l[0] === key);
  return found ? found[2] : fallback;
}

/** A rate such as calls per minute: three significant digits, at most two decimals. */
export function rate(x) {
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return stripZeros(x.toFixed(1));
  return stripZeros(x.toFixed(2)) === '0' ? '<0.01' : stripZeros(x.toFixed(2));
}
