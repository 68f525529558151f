// A trace from OTLP/JSON (TracesData) as a span tree with times relative to the trace's start,
// errors propagated to ancestors, self times and the critical path.

export const STATUS_ERROR = 2;
export const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
export const STATUS = ['unset', 'ok', 'error'];

function big(v) {
  try {
    return BigInt(v || 0);
  } catch (e) {
    return 0n;
  }
}

/** An AnyValue as display text. */
export function valueText(v) {
  if (v === undefined || v === null) return '';
  if ('stringValue' in v) return String(v.stringValue);
  if ('boolValue' in v) return String(v.boolValue);
  if ('intValue' in v) return String(v.intValue);
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('bytesValue' in v) return String(v.bytesValue);
  if ('arrayValue' in v) return '[' + ((v.arrayValue && v.arrayValue.values) || []).map(valueText).join(', ') + ']';
  if ('kvlistValue' in v) {
    return '{' + ((v.kvlistValue && v.kvlistValue.values) || []).map((kv) => kv.key + ': ' + valueText(kv.value)).join(', ') + '}';
  }
  return '';
}

export function attr(list, key) {
  for (const kv of list || []) if (kv.key === key) return valueText(kv.value);
  return null;
}

/** Builds the trace from TracesData. */
export function buildTrace(data) {
  const raw = [];
  let min = null;
  let max = null;
  for (const rs of data.resourceSpans || []) {
    const resource = rs.resource || {};
    const service = attr(resource.attributes, 'service.name') || 'unknown_service';
    for (const ss of rs.scopeSpans || []) {
      const scope = ss.scope || {};
      for (const sp of ss.spans || []) {
        const start = big(sp.startTimeUnixNano);
        let end = big(sp.endTimeUnixNano);
        if (end < start) end = start;
        if (min === null || start < min) min = start;
        if (max === null || end > max) max = end;
        raw.push({sp, start, end, service, resource, scope, schemaUrl: ss.schemaUrl || rs.schemaUrl || ''});
      }
    }
  }
  if (min === null) {
    min = 0n;
    max = 0n;
  }
  const spans = raw.map((r, i) => {
    const sp = r.sp;
    const status = sp.status || {};
    return {
      index: i,
      id: String(sp.spanId || ''),
      parentId: String(sp.parentSpanId || ''),
      traceId: String(sp.traceId || ''),
      name: String(sp.name || ''),
      kind: Number(sp.kind || 0),
      service: r.service,
      start: Number(r.start - min),
      end: Number(r.end - min),
      duration: Number(r.end - r.start),
      startMs: Number(r.start / 1000n) / 1000,
      attributes: sp.attributes || [],
      events: (sp.events || []).map((e) => ({
        time: Number(big(e.timeUnixNano) - min),
        name: String(e.name || ''),
        attributes: e.attributes || [],
        dropped: Number(e.droppedAttributesCount || 0),
      })),
      links: (sp.links || []).map((l) => ({
        traceId: String(l.traceId || ''),
        spanId: String(l.spanId || ''),
        traceState: String(l.traceState || ''),
        attributes: l.attributes || [],
      })),
      statusCode: Number(status.code || 0),
      statusMessage: String(status.message || ''),
      traceState: String(sp.traceState || ''),
      flags: Number(sp.flags || 0),
      dropped: {
        attributes: Number(sp.droppedAttributesCount || 0),
        events: Number(sp.droppedEventsCount || 0),
        links: Number(sp.droppedLinksCount || 0),
      },
      resource: r.resource,
      scope: r.scope,
      schemaUrl: r.schemaUrl,
      parent: null,
      children: [],
      depth: 0,
      error: Number(status.code || 0) === STATUS_ERROR,
      errorBelow: false,
      self: 0,
      critical: null,
    };
  });
  const byId = new Map();
  for (const s of spans) if (s.id && !byId.has(s.id)) byId.set(s.id, s);
  const roots = [];
  for (const s of spans) {
    const p = s.parentId ? byId.get(s.parentId) : null;
    if (p && p !== s) {
      s.parent = p;
      p.children.push(s);
    } else {
      roots.push(s);
    }
  }
  const byStart = (a, b) => a.start - b.start || a.end - b.end || a.index - b.index;
  for (const s of spans) s.children.sort(byStart);
  roots.sort(byStart);

  // Depth-first order; spans in a parent cycle are unreachable from the roots, so they become roots.
  const order = [];
  const seen = new Set();
  const visit = (root) => {
    const stack = [[root, 0]];
    while (stack.length) {
      const [s, depth] = stack.pop();
      if (seen.has(s)) continue;
      seen.add(s);
      s.depth = depth;
      order.push(s);
      for (let i = s.children.length - 1; i >= 0; i--) stack.push([s.children[i], depth + 1]);
    }
  };
  roots.forEach(visit);
  for (const s of spans) {
    if (!seen.has(s)) {
      if (s.parent) {
        s.parent.children = s.parent.children.filter((c) => c !== s);
        s.parent = null;
      }
      roots.push(s);
      visit(s);
    }
  }

  for (let i = order.length - 1; i >= 0; i--) {
    const s = order[i];
    s.self = selfTime(s);
    if (s.parent && (s.error || s.errorBelow)) s.parent.errorBelow = true;
  }

  const services = new Map();
  for (const s of spans) services.set(s.service, (services.get(s.service) || 0) + 1);
  const main = roots.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a), roots[0] || null);
  const trace = {
    id: spans.length ? spans[0].traceId : '',
    spans,
    order,
    roots,
    root: main,
    byId,
    startMs: Number(min / 1000n) / 1000,
    duration: Number(max - min),
    services,
    maxDepth: order.reduce((m, s) => Math.max(m, s.depth), 0),
    errorCount: spans.filter((s) => s.error).length,
  };
  if (main) criticalPath(main);
  return trace;
}

/** The span's duration not covered by any child (children clipped to the span). */
function selfTime(s) {
  if (!s.children.length) return s.duration;
  const iv = s.children
    .map((c) => [Math.max(c.start, s.start), Math.min(c.end, s.end)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let curA = null;
  let curB = null;
  for (const [a, b] of iv) {
    if (curB === null || a > curB) {
      if (curB !== null) covered += curB - curA;
      curA = a;
      curB = b;
    } else if (b > curB) {
      curB = b;
    }
  }
  if (curB !== null) covered += curB - curA;
  return Math.max(0, s.duration - covered);
}

/**
 * Marks the critical path below root: the chain of work that determined when the root ended.
 * From the root's end, walk back: the child that finished last before the current point is on the
 * path, and its parent is on the path only where no child was running. Each span on the path gets
 * critical = [[from, to], ...] in trace-relative nanoseconds.
 */
export function criticalPath(root) {
  const add = (s, a, b) => {
    if (b < a) return;
    if (!s.critical) s.critical = [];
    s.critical.push([a, b]);
  };
  const used = new Set();
  let cur = root;
  let until = null;
  let guard = 0;
  const limitOf = (s) => (s.parent ? Math.min(s.end, s.parent.end) : s.end);
  while (cur && guard++ < 1_000_000) {
    const end = until === null ? limitOf(cur) : until;
    let best = null;
    let bestEnd = -Infinity;
    for (const c of cur.children) {
      if (used.has(c)) continue;
      const cEnd = Math.min(c.end, limitOf(cur));
      if (cEnd > end || cEnd < cur.start) continue;
      if (cEnd > bestEnd || (cEnd === bestEnd && best && c.start < best.start)) {
        best = c;
        bestEnd = cEnd;
      }
    }
    if (best) {
      if (bestEnd < end) add(cur, bestEnd, end);
      used.add(best);
      cur = best;
      until = null;
    } else {
      add(cur, cur.start, end);
      if (cur === root) break;
      until = Math.max(cur.start, cur.parent.start);
      cur = cur.parent;
    }
  }
  // A span with a zero-length section is still on the path: it is where the chain went through.
  for (const s of used) if (!s.critical) s.critical = [];
  if (!root.critical) root.critical = [];
}

/** Whether a span matches in-trace search text (already lower-cased). */
export function matches(s, q) {
  if (!q) return false;
  const has = (t) => String(t).toLowerCase().includes(q);
  if (has(s.name) || has(s.service) || has(s.id)) return true;
  const kvs = (list) => (list || []).some((kv) => has(kv.key) || has(valueText(kv.value)));
  if (kvs(s.attributes) || kvs(s.resource.attributes)) return true;
  if (s.events.some((e) => has(e.name) || kvs(e.attributes))) return true;
  return has(s.statusMessage);
}

/** Self and total time per service and per service and operation. */
export function statistics(trace) {
  const groups = new Map();
  const bump = (key, service, name, s) => {
    let g = groups.get(key);
    if (!g) {
      g = {service, name, count: 0, errors: 0, total: 0, self: 0, min: Infinity, max: 0};
      groups.set(key, g);
    }
    g.count++;
    if (s.error) g.errors++;
    g.total += s.duration;
    g.self += s.self;
    g.min = Math.min(g.min, s.duration);
    g.max = Math.max(g.max, s.duration);
  };
  for (const s of trace.spans) {
    bump('s\u0000' + s.service, s.service, null, s);
    bump('o\u0000' + s.service + '\u0000' + s.name, s.service, s.name, s);
  }
  const all = [...groups.values()];
  return {
    services: all.filter((g) => g.name === null).sort((a, b) => b.self - a.self),
    operations: all.filter((g) => g.name !== null).sort((a, b) => b.self - a.self),
  };
}

/**
 * Lines up two traces span by span. A span's key is its path of service and operation names
 * from the root plus its position among siblings with the same names, so a retried call is
 * matched with its counterpart. Rows are in tree order of the union.
 */
export function compareTraces(a, b) {
  const keyed = (trace) => {
    const map = new Map();
    const keys = new Map();
    const walk = (list, prefix) => {
      const seen = new Map();
      for (const c of list) {
        const base = prefix + '/' + c.service + '\u0000' + c.name;
        const n = (seen.get(base) || 0) + 1;
        seen.set(base, n);
        const key = base + '#' + n;
        map.set(key, c);
        keys.set(c, key);
        walk(c.children, key);
      }
    };
    walk(trace.roots, '');
    return {map, keys};
  };
  const ka = keyed(a);
  const kb = keyed(b);
  const rows = [];
  const emit = (key, sa, sb, depth) => {
    const da = sa ? sa.duration : null;
    const db = sb ? sb.duration : null;
    let change = 'same';
    if (!sb) change = 'missing';
    else if (!sa) change = 'added';
    else {
      const diff = db - da;
      const threshold = Math.max(1_000_000, 0.1 * Math.max(da, db));
      if (Math.abs(diff) >= threshold) change = diff > 0 ? 'slower' : 'faster';
    }
    const s = sa || sb;
    rows.push({key, service: s.service, name: s.name, depth, a: sa, b: sb, durationA: da, durationB: db, change,
      errorA: !!(sa && sa.error), errorB: !!(sb && sb.error)});
    const childKeys = [];
    for (const c of sa ? sa.children : []) childKeys.push(ka.keys.get(c));
    for (const c of sb ? sb.children : []) {
      const k = kb.keys.get(c);
      if (!childKeys.includes(k)) childKeys.push(k);
    }
    for (const ck of childKeys) emit(ck, ka.map.get(ck), kb.map.get(ck), depth + 1);
  };
  const rootKeys = a.roots.map((r) => ka.keys.get(r));
  for (const r of b.roots) {
    const k = kb.keys.get(r);
    if (!rootKeys.includes(k)) rootKeys.push(k);
  }
  for (const k of rootKeys) emit(k, ka.map.get(k), kb.map.get(k), 0);
  return rows;
}
