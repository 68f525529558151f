// The service map: services and the calls between them from Jaeger's /api/dependencies (with the
// failed calls Skein adds), and each service's calls and errors from /api/skein/red.

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
  let nodes;
  const end = Date.now();
  const lookbackMs = fmt.lookbackMs(lookbackKey);
  const range = {startMs: end - lookbackMs, endMs: end, lookbackKey};
  try {
    [links, nodes] = await Promise.all([
      api.dependencies(end, lookbackMs, signal),
      api.red({groupBy: 'service', startMs: range.startMs, endMs: end, step: Math.max(1, Math.round(lookbackMs / 1000)) + 's'}, signal)
        .then((r) => new Map(r.groups.map((g) => [g.service, g.totals])))
        .catch((e) => {
          if (e instanceof api.ApiError && e.status === 501) return new Map();
          throw e;
        }),
    ]);
  } catch (e) {
    if (!signal.aborted) replace(canvas, notice('error', 'Cannot load the service map: ' + e.message));
    return;
  }
  if (signal.aborted) return;
  if (!links.length) {
    replace(canvas, notice('empty', 'No calls between services in this time range.'));
    return;
  }
  draw(canvas, links, nodes, (name) => showService(side, name, signal, range));
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
  const out2 = columns.filter(Boolean);
  // Order each column by where its callers stand, so that edges cross as little as possible.
  const row = new Map();
  out2.forEach((col, ci) => {
    if (ci > 0) {
      const mean = (n) => {
        const rows = links.filter((l) => l.child === n && l.parent !== n && row.has(l.parent)).map((l) => row.get(l.parent));
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Infinity;
      };
      const key = new Map(col.map((n) => [n, mean(n)]));
      col.sort((a, b) => key.get(a) - key.get(b) || (a < b ? -1 : 1));
    }
    col.forEach((n, ri) => row.set(n, ri));
  });
  return out2;
}

function draw(container, links, nodes, onSelect) {
  clear(container);
  const columns = layout(links);
  const nodeW = 170;
  const nodeH = 44;
  const colGap = 170;
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
    const errRate = l.errorCount !== null && l.callCount ? l.errorCount / l.callCount : null;
    const label = fmt.count(l.callCount) + (l.callCount === 1 ? ' call' : ' calls')
      + (errRate === null ? '' : ' · ' + fmt.percent(errRate) + ' errors');
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
      dataset: {parent: l.parent, child: l.child, calls: l.callCount, errors: l.errorCount === null ? '' : l.errorCount,
        errorRate: errRate === null ? '' : errRate}},
      svg('path', {d, 'marker-end': 'url(#arrow)', 'stroke-width': String(1.5 + Math.min(4, Math.log10(l.callCount + 1)))}),
      svg('text', {x: lx, y: ly, 'text-anchor': 'middle', class: 'edge-label'}, label)));
  }
  for (const [name, p] of pos) {
    const red = nodes.get(name);
    const sub = red
      ? fmt.count(red.calls) + (red.calls === 1 ? ' call' : ' calls') + ' · ' + fmt.percent(red.calls ? red.errors / red.calls : 0) + ' errors'
      : incoming.has(name) ? fmt.count(incoming.get(name)) + ' calls in' : 'entry point';
    const node = svg('g', {class: ['node', red && red.errors ? 'has-errors' : ''], tabindex: '0', role: 'button',
      dataset: {service: name, calls: red ? red.calls : '', errors: red ? red.errors : ''}, transform: `translate(${p.x} ${p.y})`},
      svg('rect', {width: nodeW, height: nodeH, rx: '8', style: {'--c': fmt.serviceColor(name)}}),
      svg('rect', {class: 'node-stripe', width: '6', height: nodeH, rx: '3', style: {fill: fmt.serviceColor(name)}}),
      svg('text', {x: 14, y: 19, class: 'node-name'}, name.length > 22 ? name.slice(0, 21) + '…' : name, svg('title', null, name)),
      svg('text', {x: 14, y: 35, class: 'node-sub'}, sub));
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

async function showService(side, name, signal, range) {
  const head = () => h('h2', null, h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(name)}}), name);
  replace(side, head(), notice('loading', 'Loading operations…'));
  let ops;
  try {
    const r = await api.red({service: name, groupBy: 'operation', startMs: range.startMs, endMs: range.endMs,
      step: Math.max(1, Math.round((range.endMs - range.startMs) / 1000)) + 's'}, signal);
    ops = r.groups.filter((g) => g.service === name);
  } catch (e) {
    if (!signal.aborted) replace(side, head(), notice('error', 'Cannot load operations: ' + e.message));
    return;
  }
  if (signal.aborted) return;
  const search = (op, extra) => '/search?' + new URLSearchParams({service: name, ...(op ? {operation: op} : {}), lookback: range.lookbackKey, ...extra});
  replace(side,
    head(),
    h('p', null, h('a', {href: search(null, {})}, 'Search traces of ' + name), ' · ',
      h('a', {href: '/services?' + new URLSearchParams({service: name, lookback: range.lookbackKey}).toString()}, 'RED metrics')),
    h('h3', null, 'Operations'),
    ops.length ? h('table', {class: 'data map-ops', id: 'map-operations'},
      h('thead', null, h('tr', null, h('th', null, 'Operation'), h('th', {class: 'num'}, 'Calls'), h('th', {class: 'num'}, 'Errors'),
        h('th', {class: 'num'}, 'p95'))),
      h('tbody', null, ops.map((o) => h('tr', {class: 'map-op', dataset: {operation: o.operation}},
        h('td', null, h('a', {href: search(o.operation, {})}, o.operation)),
        h('td', {class: 'num'}, fmt.count(o.totals.calls)),
        h('td', {class: ['num', o.totals.errors ? 'error-text' : '']}, o.totals.errors
          ? h('a', {class: 'error-text', href: search(o.operation, {tags: 'error=true'})}, fmt.percent(o.totals.errors / o.totals.calls))
          : '0%'),
        h('td', {class: 'num'}, o.totals.p95Ms === null ? '–' : fmt.duration(o.totals.p95Ms * 1e6))))))
      : h('p', {class: 'muted'}, 'No spans of this service in the time range.'));
}
