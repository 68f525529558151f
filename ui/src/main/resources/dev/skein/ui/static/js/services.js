// Services overview: rate, errors and duration percentiles per service and operation, over time.
// Computed in the browser from the entry spans (server and consumer spans, or roots) of the most
// recent traces in the range, so the numbers are a sample when the range holds more traces.

import {h, s as svg, replace, notice} from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';

const SAMPLE = 500;
const BUCKETS = 30;

export async function render(main, {params, signal, navigate}) {
  document.title = 'Services · Skein';
  const lookbackKey = params.get('lookback') || '1h';
  const only = params.get('service') || '';
  const lookback = h('select', {id: 'services-lookback', 'aria-label': 'Time range'},
    fmt.LOOKBACKS.map(([k, label]) => h('option', {value: k, selected: k === lookbackKey}, label)));
  lookback.addEventListener('change', () => navigate('/services?' + new URLSearchParams({...(only ? {service: only} : {}), lookback: lookback.value})));
  const out = h('div', {id: 'services-out'});
  replace(main, h('section', {class: 'page services-page'},
    h('div', {class: 'page-head'}, h('h1', null, only ? 'Service ' + only : 'Services'), lookback,
      only ? h('a', {href: '/services?lookback=' + encodeURIComponent(lookbackKey)}, 'All services') : null),
    out));
  replace(out, notice('loading', 'Loading traces…'));
  const end = Date.now();
  const start = end - fmt.lookbackMs(lookbackKey);
  let traces;
  try {
    traces = await api.recentTraces({startMs: start, endMs: end, limit: SAMPLE, service: only || undefined}, signal);
  } catch (e) {
    if (!signal.aborted) replace(out, notice('error', 'Cannot load traces: ' + e.message));
    return;
  }
  if (signal.aborted) return;
  if (!traces.length) {
    replace(out, notice('empty', 'No traces in this time range.'));
    return;
  }
  const stats = aggregate(traces, only);
  const from = traces.length >= SAMPLE ? Math.min(...stats.starts) : start;
  const minutes = Math.max((end - from) / 60000, 1 / 60);
  const services = [...stats.services.values()].sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
  replace(out,
    h('p', {class: 'muted'}, traces.length >= SAMPLE
      ? `Estimated from the ${SAMPLE} most recent traces (since ${fmt.dateTime(from)}); rates are per minute over that span.`
      : `From all ${traces.length} traces in the range; entry spans (server and consumer spans, or roots) only.`),
    h('table', {class: 'data red', id: 'red-table'},
      h('thead', null, h('tr', null, h('th', null, 'Service / operation'), h('th', {class: 'num'}, 'Rate /min'),
        h('th', {class: 'num'}, 'Errors'), h('th', {class: 'num'}, 'p50'), h('th', {class: 'num'}, 'p95'), h('th', {class: 'num'}, 'p99'),
        h('th', null, 'Requests and errors over time'), h('th', null, 'Examples'))),
      h('tbody', null, services.flatMap((svc) => [
        redRow(svc, null, minutes, from, end, lookbackKey),
        ...[...svc.ops.values()].sort((a, b) => b.count - a.count).map((op) => redRow(svc, op, minutes, from, end, lookbackKey)),
      ]))));
}

function aggregate(traces, only) {
  const services = new Map();
  const starts = [];
  for (const t of traces) {
    const spans = t.spans || [];
    const ids = new Set(spans.map((s) => s.spanID));
    let tStart = Infinity;
    for (const s of spans) {
      tStart = Math.min(tStart, s.startTime);
      const service = (t.processes && t.processes[s.processID] && t.processes[s.processID].serviceName) || '';
      if (only && service !== only) continue;
      const tags = s.tags || [];
      const kind = (tags.find((g) => g.key === 'span.kind') || {}).value;
      const isRoot = !(s.references || []).some((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID));
      if (!(kind === 'server' || kind === 'consumer' || isRoot)) continue;
      const error = api.jaegerSpanFailed(s);
      let svc = services.get(service);
      if (!svc) {
        svc = group(service, null);
        svc.ops = new Map();
        services.set(service, svc);
      }
      let op = svc.ops.get(s.operationName);
      if (!op) {
        op = group(service, s.operationName);
        svc.ops.set(s.operationName, op);
      }
      for (const g of [svc, op]) add(g, s, error, t.traceID);
    }
    if (Number.isFinite(tStart)) starts.push(tStart / 1000);
  }
  return {services, starts};
}

function group(service, name) {
  return {name: service, op: name, count: 0, errors: 0, durations: [], points: [], slowest: null, lastError: null};
}

function add(g, s, error, traceId) {
  g.count++;
  if (error) g.errors++;
  const d = s.duration * 1000;
  g.durations.push(d);
  g.points.push([s.startTime / 1000, error]);
  if (!g.slowest || d > g.slowest.d) g.slowest = {d, traceId, spanId: s.spanID};
  if (error && (!g.lastError || s.startTime > g.lastError.t)) g.lastError = {t: s.startTime, traceId, spanId: s.spanID};
}

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function redRow(svc, op, minutes, from, end, lookbackKey) {
  const g = op || svc;
  const sorted = [...g.durations].sort((a, b) => a - b);
  const errRate = g.count ? g.errors / g.count : 0;
  const searchLink = '/search?' + new URLSearchParams({service: svc.name, ...(op ? {operation: op.op} : {}), lookback: lookbackKey});
  return h('tr', {class: op ? 'op-row' : 'svc-row', dataset: {service: svc.name, operation: op ? op.op : ''}},
    h('td', {class: op ? 'op-cell' : 'svc-cell'}, op ? h('a', {href: searchLink}, op.op)
      : h('span', null, h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(svc.name)}}), h('a', {href: searchLink}, svc.name))),
    h('td', {class: 'num rate'}, (g.count / minutes).toFixed(g.count / minutes < 10 ? 2 : 1)),
    h('td', {class: ['num', 'errors', g.errors ? 'error-text' : '']}, fmt.percent(errRate)),
    h('td', {class: 'num'}, fmt.duration(quantile(sorted, 0.5))),
    h('td', {class: 'num'}, fmt.duration(quantile(sorted, 0.95))),
    h('td', {class: 'num'}, fmt.duration(quantile(sorted, 0.99))),
    h('td', null, spark(g.points, from, end)),
    h('td', {class: 'examples'},
      g.slowest ? h('a', {href: '/trace/' + encodeURIComponent(g.slowest.traceId) + '?span=' + encodeURIComponent(g.slowest.spanId)}, 'slowest') : null,
      g.lastError ? h('span', null, ' · ', h('a', {class: 'error-text', href: '/trace/' + encodeURIComponent(g.lastError.traceId) + '?span=' + encodeURIComponent(g.lastError.spanId)}, 'latest error')) : null));
}

function spark(points, from, end) {
  const w = 160;
  const hgt = 28;
  const counts = new Array(BUCKETS).fill(0);
  const errors = new Array(BUCKETS).fill(0);
  const span = Math.max(end - from, 1);
  for (const [t, err] of points) {
    const i = Math.min(BUCKETS - 1, Math.max(0, Math.floor(((t - from) / span) * BUCKETS)));
    counts[i]++;
    if (err) errors[i]++;
  }
  const max = Math.max(...counts, 1);
  const bw = w / BUCKETS;
  const g = svg('svg', {class: 'spark', width: String(w), height: String(hgt), viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': 'Requests over time'});
  counts.forEach((c, i) => {
    if (!c) return;
    const bh = (c / max) * (hgt - 2);
    g.appendChild(svg('rect', {class: 'spark-bar', x: i * bw + 0.5, y: hgt - bh, width: bw - 1, height: bh}));
    if (errors[i]) {
      const eh = (errors[i] / max) * (hgt - 2);
      g.appendChild(svg('rect', {class: 'spark-err', x: i * bw + 0.5, y: hgt - eh, width: bw - 1, height: eh}));
    }
  });
  return g;
}
