// Services overview: rate, errors and duration percentiles per service and operation, over time,
// as the server counts them (GET /api/skein/red): every span is one call, a span with status ERROR
// is one error.

import {h, s as svg, replace, notice} from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';

const KIND_CHOICES = [['', 'All span kinds'], ['server', 'Server'], ['client', 'Client'], ['producer', 'Producer'],
  ['consumer', 'Consumer'], ['internal', 'Internal']];

export async function render(main, {params, signal, navigate}) {
  const lookbackKey = params.get('lookback') || '1h';
  const only = params.get('service') || '';
  const kind = KIND_CHOICES.some(([k]) => k === params.get('kind')) ? params.get('kind') : '';
  document.title = (only ? only + ' · ' : '') + 'Services · Skein';
  const go = (changes) => {
    const next = {...(only ? {service: only} : {}), lookback: lookbackKey, ...(kind ? {kind} : {}), ...changes};
    for (const k of Object.keys(next)) if (!next[k]) delete next[k];
    navigate('/services?' + new URLSearchParams(next));
  };
  const lookback = h('select', {id: 'services-lookback', 'aria-label': 'Time range'},
    fmt.LOOKBACKS.map(([k, label]) => h('option', {value: k, selected: k === lookbackKey}, label)));
  lookback.addEventListener('change', () => go({lookback: lookback.value}));
  const kindSelect = h('select', {id: 'services-kind', 'aria-label': 'Span kind'},
    KIND_CHOICES.map(([k, label]) => h('option', {value: k, selected: k === kind}, label)));
  kindSelect.addEventListener('change', () => go({kind: kindSelect.value}));
  const out = h('div', {id: 'services-out'});
  replace(main, h('section', {class: 'page services-page'},
    h('div', {class: 'page-head'}, h('h1', null, only ? 'Service ' + only : 'Services'), lookback, kindSelect,
      only ? h('a', {href: '/services?' + new URLSearchParams({lookback: lookbackKey, ...(kind ? {kind} : {})})}, 'All services') : null),
    out));
  replace(out, notice('loading', 'Loading RED metrics…'));
  const end = Date.now();
  const start = end - fmt.lookbackMs(lookbackKey);
  const q = {service: only || undefined, spanKind: kind || undefined, startMs: start, endMs: end};
  let services;
  let operations;
  try {
    [services, operations] = await Promise.all([
      api.red({...q, groupBy: 'service'}, signal),
      api.red({...q, groupBy: 'operation'}, signal),
    ]);
  } catch (e) {
    if (!signal.aborted) replace(out, notice('error', 'Cannot load RED metrics: ' + e.message));
    return;
  }
  if (signal.aborted) return;
  if (!services.groups.length) {
    replace(out, notice('empty', only ? 'No spans of ' + only + ' in this time range.' : 'No spans in this time range.'));
    return;
  }
  const opsOf = new Map();
  for (const g of operations.groups) {
    if (!opsOf.has(g.service)) opsOf.set(g.service, []);
    opsOf.get(g.service).push(g);
  }
  const range = {startMs: services.startMs, endMs: services.endMs, stepMs: services.stepMs, lookbackKey};
  replace(out,
    h('p', {class: 'muted', id: 'services-range'}, 'Every span from ' + fmt.dateTime(services.startMs) + ' to ' + fmt.dateTime(services.endMs)
      + (kind ? ' of kind ' + kind : '') + ' counts as a call, and a span with status ERROR as an error. Percentiles are of the whole range;'
      + ' the charts show one bucket per ' + fmt.duration(services.stepMs * 1e6).replace(/ 0s$/, '') + '.'),
    h('table', {class: 'data red', id: 'red-table'},
      h('thead', null, h('tr', null, h('th', null, 'Service / operation'), h('th', {class: 'num'}, 'Calls'), h('th', {class: 'num'}, 'Errors'),
        h('th', {class: 'num'}, 'Error rate'), h('th', {class: 'num'}, 'Rate /min'),
        h('th', {class: 'num'}, 'p50'), h('th', {class: 'num'}, 'p95'), h('th', {class: 'num'}, 'p99'),
        h('th', null, 'Calls and errors over time'), h('th', null, h('span', {class: 'lat-key lat-p50'}, 'p50'), ' · ', h('span', {class: 'lat-key lat-p95'}, 'p95'), ' · ',
          h('span', {class: 'lat-key lat-p99'}, 'p99'), ' over time'), h('th', null, 'Example traces'))),
      h('tbody', null, services.groups.flatMap((svc) => [
        redRow(svc, range),
        ...(opsOf.get(svc.service) || []).map((op) => redRow(op, range)),
      ]))));
}

/** A search for the traces behind a row: all of them, the slowest first, or those with errors. */
function searchLink(g, range, extra) {
  return '/search?' + new URLSearchParams({service: g.service, ...(g.operation !== null ? {operation: g.operation} : {}),
    lookback: range.lookbackKey, ...extra});
}

function redRow(g, range) {
  const t = g.totals;
  const op = g.operation !== null;
  const perMinute = t.ratePerSecond === null ? null : t.ratePerSecond * 60;
  const ms = (x) => (x === null ? '–' : fmt.duration(x * 1e6));
  const nameCell = op
    ? h('a', {href: searchLink(g, range, {})}, g.operation)
    : h('span', null, h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(g.service)}}),
      h('a', {href: '/services?' + new URLSearchParams({service: g.service, lookback: range.lookbackKey})}, g.service));
  return h('tr', {class: op ? 'op-row' : 'svc-row', dataset: {service: g.service, operation: op ? g.operation : ''}},
    h('td', {class: op ? 'op-cell' : 'svc-cell'}, nameCell),
    h('td', {class: 'num calls'}, fmt.count(t.calls)),
    h('td', {class: ['num', 'errors', t.errors ? 'error-text' : '']}, fmt.count(t.errors)),
    h('td', {class: ['num', 'error-rate', t.errors ? 'error-text' : '']}, fmt.percent(t.errorRate === null ? (t.calls ? t.errors / t.calls : 0) : t.errorRate)),
    h('td', {class: 'num rate'}, perMinute === null ? '–' : fmt.rate(perMinute)),
    h('td', {class: 'num p50'}, ms(t.p50Ms)),
    h('td', {class: 'num p95'}, ms(t.p95Ms)),
    h('td', {class: 'num p99'}, ms(t.p99Ms)),
    h('td', null, callsChart(g.points, range)),
    h('td', null, latencyChart(g.points, range)),
    h('td', {class: 'examples'},
      h('a', {class: 'example-all', href: searchLink(g, range, {})}, 'traces'), ' · ',
      h('a', {class: 'example-slowest', href: searchLink(g, range, {order: 'slowest'})}, 'slowest'),
      t.errors ? h('span', null, ' · ', h('a', {class: ['example-errors', 'error-text'], href: searchLink(g, range, {tags: 'error=true'})}, 'errors')) : null));
}

const CHART_W = 160;
const CHART_H = 30;

function chartFrame(label) {
  return svg('svg', {class: 'spark', width: String(CHART_W), height: String(CHART_H), viewBox: `0 0 ${CHART_W} ${CHART_H}`, role: 'img', 'aria-label': label});
}

function bucketIndex(t, range, n) {
  return Math.min(n - 1, Math.max(0, Math.floor((t - range.startMs) / range.stepMs)));
}

function bucketCount(range) {
  return Math.max(1, Math.ceil((range.endMs - range.startMs) / range.stepMs));
}

/** Calls per bucket as bars, with the errors of each bucket over them. */
function callsChart(points, range) {
  const n = bucketCount(range);
  const g = chartFrame('Calls and errors over time');
  const max = Math.max(1, ...points.map((p) => p.calls));
  const bw = CHART_W / n;
  for (const p of points) {
    if (!p.calls) continue;
    const i = bucketIndex(p.t, range, n);
    const bh = Math.max(1, (p.calls / max) * (CHART_H - 2));
    const bar = svg('rect', {class: 'spark-bar', x: i * bw, y: CHART_H - bh, width: Math.max(bw - 0.5, 0.5), height: bh},
      svg('title', null, fmt.time(p.t) + ': ' + fmt.count(p.calls) + ' calls, ' + fmt.count(p.errors) + ' errors'));
    g.appendChild(bar);
    if (p.errors) {
      const eh = Math.max(1, (p.errors / max) * (CHART_H - 2));
      g.appendChild(svg('rect', {class: 'spark-err', x: i * bw, y: CHART_H - eh, width: Math.max(bw - 0.5, 0.5), height: eh}));
    }
  }
  return g;
}

/** p50, p95 and p99 per bucket as three lines (dots where a bucket stands alone). */
function latencyChart(points, range) {
  const n = bucketCount(range);
  const g = chartFrame('Duration percentiles over time');
  const present = points.filter((p) => p.calls && p.p99Ms !== null);
  const max = Math.max(...present.map((p) => p.p99Ms), 0) || 1;
  const bw = CHART_W / n;
  const x = (p) => bucketIndex(p.t, range, n) * bw + bw / 2;
  const y = (v) => CHART_H - 1 - (v / max) * (CHART_H - 3);
  for (const [key, cls] of [['p99Ms', 'lat-p99'], ['p95Ms', 'lat-p95'], ['p50Ms', 'lat-p50']]) {
    const pts = present.filter((p) => p[key] !== null);
    if (pts.length > 1) {
      g.appendChild(svg('polyline', {class: ['lat-line', cls], points: pts.map((p) => x(p).toFixed(1) + ',' + y(p[key]).toFixed(1)).join(' ')}));
    }
    for (const p of pts) {
      g.appendChild(svg('circle', {class: ['lat-dot', cls], cx: x(p), cy: y(p[key]), r: pts.length > 1 ? 1 : 2},
        svg('title', null, fmt.time(p.t) + ' ' + key.slice(0, 3) + ': ' + fmt.duration(p[key] * 1e6))));
    }
  }
  return g;
}
