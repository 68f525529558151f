// The service map: services and the calls between them from Jaeger's /api/dependencies.

import {h, s as svg, replace, clear, notice} from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';

export async function render(main, {params, signal, navigate}) {
  document.title = 'Service map · Skein';
  const lookbackKey = params.get('lookback') || '1h';
  const lookback = h('select', {id: 'map-lookback', 'aria-label': 'Time range'},
    fmt.LOOKBACKS.map(([k, label]) => h('option', {value: k, selected: k === lookbackKey}, label)));
  lookback.addEventListener('change', () => navigate('/map?lookback=' + encodeURIComponent(lookback.value)));
  const canvas = h('div', {class: 'map-canvas', id: 'service-map'});
  const side = h('aside', {class: 'map-side', id: 'map-side'}, h('p', {class: 'muted'}, 'Click a service to see its operations.'));
  replace(main, h('section', {class: 'page map-page'},
    h('div', {class: 'page-head'}, h('h1', null, 'Service map'), lookback),
    h('div', {class: 'map-layout'}, canvas, side)));
  replace(canvas, notice('loading', 'Loading dependencies…'));
  let links;
  const end = Date.now();
  const lookbackMs = fmt.lookbackMs(lookbackKey);
  try {
    links = await api.dependencies(end, lookbackMs, signal);
    if (links.some((l) => l.errorCount === null)) await addSampledErrors(links, end - lookbackMs, end, signal);
  } catch (e) {
    if (!signal.aborted) replace(canvas, notice('error', 'Cannot load the service map: ' + e.message));
    return;
  }
  if (signal.aborted) return;
  if (!links.length) {
    replace(canvas, notice('empty', 'No calls between services in this time range.'));
    return;
  }
  draw(canvas, links, (name) => showService(side, name, signal, lookbackKey));
}

const SAMPLE = 500;

/**
 * Jaeger's dependencies count calls but not failures, so the error rate of each call is estimated
 * from the newest traces in the range: the share of a callee's spans under a caller's that failed.
 */
async function addSampledErrors(links, startMs, endMs, signal) {
  let traces;
  try {
    traces = await api.recentTraces({startMs, endMs, limit: SAMPLE}, signal);
  } catch (e) {
    return;
  }
  const seen = new Map();
  for (const t of traces) {
    const spans = t.spans || [];
    const serviceOf = (s) => (t.processes && t.processes[s.processID] && t.processes[s.processID].serviceName) || '';
    const byId = new Map(spans.map((s) => [s.spanID, s]));
    for (const s of spans) {
      const ref = (s.references || []).find((r) => r.refType === 'CHILD_OF' && byId.has(r.spanID));
      if (!ref) continue;
      const parent = serviceOf(byId.get(ref.spanID));
      const child = serviceOf(s);
      if (parent === child) continue;
      const key = parent + '\u0000' + child;
      const c = seen.get(key) || {calls: 0, errors: 0};
      c.calls++;
      if (api.jaegerSpanFailed(s)) c.errors++;
      seen.set(key, c);
    }
  }
  for (const l of links) {
    const c = seen.get(l.parent + '\u0000' + l.child);
    if (l.errorCount === null && c && c.calls) {
      l.errorRate = c.errors / c.calls;
      l.sampled = traces.length >= SAMPLE;
    }
  }
}

/** Places services in columns by their longest call chain from a caller nobody calls. */
function layout(links) {
  const names = [...new Set(links.flatMap((l) => [l.parent, l.child]))].sort();
  const out = new Map(names.map((n) => [n, []]));
  const indeg = new Map(names.map((n) => [n, 0]));
  for (const l of links) {
    if (l.parent === l.child) continue;
    out.get(l.parent).push(l.child);
    indeg.set(l.child, indeg.get(l.child) + 1);
  }
  const level = new Map();
  const queue = names.filter((n) => indeg.get(n) === 0);
  for (const n of queue) level.set(n, 0);
  // Longest path over a graph that may have cycles: relax a bounded number of times.
  for (let round = 0; round < names.length; round++) {
    let changed = false;
    for (const l of links) {
      if (l.parent === l.child) continue;
      const lp = level.has(l.parent) ? level.get(l.parent) : 0;
      if (!level.has(l.parent)) level.set(l.parent, 0);
      if ((level.get(l.child) ?? -1) < lp + 1 && lp + 1 < names.length) {
        level.set(l.child, lp + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const columns = [];
  for (const n of names) {
    const lv = level.get(n) || 0;
    (columns[lv] = columns[lv] || []).push(n);
  }
  return columns.filter(Boolean);
}

function draw(container, links, onSelect) {
  clear(container);
  const columns = layout(links);
  const nodeW = 170;
  const nodeH = 44;
  const colGap = 110;
  const rowGap = 36;
  const rows = Math.max(...columns.map((c) => c.length));
  const width = columns.length * nodeW + (columns.length - 1) * colGap + 40;
  const height = rows * nodeH + (rows - 1) * rowGap + 40;
  const pos = new Map();
  columns.forEach((col, ci) => {
    const offset = ((rows - col.length) * (nodeH + rowGap)) / 2;
    col.forEach((n, ri) => pos.set(n, {x: 20 + ci * (nodeW + colGap), y: 20 + offset + ri * (nodeH + rowGap)}));
  });
  const g = svg('svg', {class: 'map-svg', width: String(width), height: String(height), viewBox: `0 0 ${width} ${height}`,
    role: 'img', 'aria-label': 'Service dependency graph'});
  g.appendChild(svg('defs', null, svg('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse'},
    svg('path', {d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head'}))));
  const incoming = new Map();
  for (const l of links) incoming.set(l.child, (incoming.get(l.child) || 0) + l.callCount);
  for (const l of links) {
    const a = pos.get(l.parent);
    const b = pos.get(l.child);
    const errRate = l.errorCount !== null && l.callCount ? l.errorCount / l.callCount : l.errorRate ?? null;
    const label = fmt.count(l.callCount) + (l.callCount === 1 ? ' call' : ' calls')
      + (errRate === null ? '' : ' · ' + fmt.percent(errRate) + (l.sampled ? ' errors (sampled)' : ' errors'));
    let d;
    let lx;
    let ly;
    if (l.parent === l.child) {
      d = `M ${a.x + nodeW - 30} ${a.y} C ${a.x + nodeW} ${a.y - 40}, ${a.x + nodeW + 30} ${a.y + 10}, ${a.x + nodeW} ${a.y + nodeH / 2}`;
      lx = a.x + nodeW + 10;
      ly = a.y - 14;
    } else {
      const forward = b.x > a.x;
      const x1 = forward ? a.x + nodeW : a.x + nodeW / 2;
      const y1 = forward ? a.y + nodeH / 2 : a.y + nodeH;
      const x2 = forward ? b.x : b.x + nodeW / 2;
      const y2 = forward ? b.y + nodeH / 2 : b.y + nodeH;
      const mx = (x1 + x2) / 2;
      d = forward ? `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}` : `M ${x1} ${y1} C ${x1} ${y1 + 60}, ${x2} ${y2 + 60}, ${x2} ${y2}`;
      lx = mx;
      ly = forward ? (y1 + y2) / 2 - 6 : Math.max(y1, y2) + 40;
    }
    g.appendChild(svg('g', {class: ['edge', errRate ? 'has-errors' : ''],
      dataset: {parent: l.parent, child: l.child, calls: l.callCount, errorRate: errRate === null ? '' : errRate}},
      svg('path', {d, 'marker-end': 'url(#arrow)', 'stroke-width': String(1.5 + Math.min(4, Math.log10(l.callCount + 1)))}),
      svg('text', {x: lx, y: ly, 'text-anchor': 'middle', class: 'edge-label'}, label)));
  }
  for (const [name, p] of pos) {
    const node = svg('g', {class: 'node', tabindex: '0', role: 'button', dataset: {service: name}, transform: `translate(${p.x} ${p.y})`},
      svg('rect', {width: nodeW, height: nodeH, rx: '8', style: {'--c': fmt.serviceColor(name)}}),
      svg('rect', {class: 'node-stripe', width: '6', height: nodeH, rx: '3', style: {fill: fmt.serviceColor(name)}}),
      svg('text', {x: 14, y: 19, class: 'node-name'}, name.length > 22 ? name.slice(0, 21) + '…' : name, svg('title', null, name)),
      svg('text', {x: 14, y: 35, class: 'node-sub'}, incoming.has(name) ? fmt.count(incoming.get(name)) + ' calls in' : 'entry point'));
    const open = () => {
      for (const n of g.querySelectorAll('.node.selected')) n.classList.remove('selected');
      node.classList.add('selected');
      onSelect(name);
    };
    node.addEventListener('click', open);
    node.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        open();
      }
    });
    g.appendChild(node);
  }
  container.appendChild(g);
}

async function showService(side, name, signal, lookbackKey) {
  replace(side, h('h2', null, h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(name)}}), name), notice('loading', 'Loading operations…'));
  let ops;
  try {
    ops = await api.operations(name, signal);
  } catch (e) {
    replace(side, h('h2', null, name), notice('error', 'Cannot load operations: ' + e.message));
    return;
  }
  const search = (op) => '/search?' + new URLSearchParams({service: name, ...(op ? {operation: op} : {}), lookback: lookbackKey}).toString();
  replace(side,
    h('h2', null, h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(name)}}), name),
    h('p', null, h('a', {href: search(null)}, 'Search traces of ' + name), ' · ',
      h('a', {href: '/services?' + new URLSearchParams({service: name, lookback: lookbackKey}).toString()}, 'RED metrics')),
    h('h3', null, 'Operations'),
    ops.length ? h('ul', {class: 'ops', id: 'map-operations'}, ops.map((o) => h('li', null,
      h('a', {href: search(o.name)}, o.name), o.spanKind ? h('span', {class: 'badge kind'}, o.spanKind) : null)))
      : h('p', {class: 'muted'}, 'No operations recorded.'));
}
