// The query API on the same origin. Jaeger's /api for services, operations, search and
// dependencies; Jaeger's /api/v3 for traces as OTLP/JSON, which keeps every field of a span;
// Skein's /api/skein for RED metrics, a trace's explanation and BubbleUp comparisons.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function messageOf(status, body, text) {
  if (body && Array.isArray(body.errors) && body.errors.length && body.errors[0].msg) return String(body.errors[0].msg);
  if (body && body.error && body.error.message) return String(body.error.message);
  if (text && text.length < 500 && !text.trimStart().startsWith('<')) return text.trim();
  return 'HTTP ' + status;
}

// With multitenancy on the server, every API call names its tenant in X-Scope-OrgID, as Tempo's
// clients do. The tenant is chosen in the top bar and kept in this browser.
const TENANT_KEY = 'skein.tenant';

export function tenant() {
  try {
    return localStorage.getItem(TENANT_KEY) || '';
  } catch (e) {
    return '';
  }
}

export function setTenant(value) {
  const t = String(value || '').trim();
  if (t) localStorage.setItem(TENANT_KEY, t);
  else localStorage.removeItem(TENANT_KEY);
}

function withTenant(headers) {
  const t = tenant();
  if (t) headers['X-Scope-OrgID'] = t;
  return headers;
}

async function request(url, signal, payload) {
  const init = {headers: withTenant({Accept: 'application/json'}), signal};
  if (payload !== undefined) {
    init.method = 'POST';
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(payload);
  }
  const r = await fetch(url, init);
  const text = await r.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    body = null;
  }
  if (!r.ok) {
    const message = messageOf(r.status, body, text);
    // The server has multitenancy on and this browser named no tenant: the top bar asks for one.
    if (r.status === 401 && message.startsWith('no tenant')) window.dispatchEvent(new CustomEvent('skein:tenant-needed'));
    throw new ApiError(r.status, message);
  }
  if (body === null) throw new ApiError(r.status, 'the server answered ' + url + ' without JSON');
  return {body, text};
}

function query(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => u.append(k, x));
    else u.append(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

export async function services(signal) {
  const {body} = await request('/api/services', signal);
  return (body.data || []).map(String);
}

export async function operations(service, signal) {
  const {body} = await request('/api/operations' + query({service}), signal);
  return (body.data || []).map((o) => ({name: String(o.name), spanKind: String(o.spanKind || '')}));
}

/** A trace as OTLP/JSON: the parsed TracesData and the text as the server sent it. */
export async function trace(id, signal) {
  const {body, text} = await request('/api/v3/traces/' + encodeURIComponent(id), signal);
  return {data: body.result || {}, warnings: body.warnings || [], text};
}

/** Whether a trace is stored; false on any error. */
export async function traceExists(id, signal) {
  try {
    const r = await fetch('/api/v3/traces/' + encodeURIComponent(id), {method: 'HEAD', headers: withTenant({}), signal});
    return r.ok;
  } catch (e) {
    return false;
  }
}

export async function dependencies(endMs, lookbackMs, signal) {
  const {body} = await request('/api/dependencies' + query({endTs: Math.round(endMs), lookback: Math.round(lookbackMs)}), signal);
  return (body.data || []).map((d) => ({
    parent: String(d.parent),
    child: String(d.child),
    callCount: Number(d.callCount) || 0,
    errorCount: d.errorCount === undefined ? null : Number(d.errorCount) || 0,
  }));
}

const num = (v) => (v === undefined || v === null || v === '' ? null : Number(v));
const str = (v) => (v === undefined || v === null ? null : String(v));

function redTotals(t) {
  return {
    calls: Number(t.calls) || 0,
    errors: Number(t.errors) || 0,
    errorRate: num(t.errorRate),
    ratePerSecond: num(t.ratePerSecond),
    p50Ms: num(t.p50Ms),
    p95Ms: num(t.p95Ms),
    p99Ms: num(t.p99Ms),
    maxMs: num(t.maxMs),
  };
}

/**
 * Rate, errors and duration percentiles from the server, per service (groupBy 'service') or per
 * operation of a service (groupBy 'operation'), in [startMs, endMs):
 * {startMs, endMs, stepMs, groups: [{service, operation, totals, points: [{t, calls, errors, p50Ms, p95Ms, p99Ms}]}]}.
 */
export async function red({service, operation, spanKind, groupBy, startMs, endMs, step}, signal) {
  const {body} = await request('/api/skein/red' + query({
    service,
    operation,
    spanKind,
    groupBy,
    start: Math.floor(startMs * 1000),
    end: Math.ceil(endMs * 1000),
    step,
  }), signal);
  return {
    startMs: Number(body.start),
    endMs: Number(body.end),
    stepMs: Number(body.stepMs),
    groups: (body.groups || []).map((g) => ({
      service: String(g.service),
      operation: str(g.operation),
      totals: redTotals(g.totals || {}),
      points: (g.points || []).map((p) => ({t: Number(p.t), ...redTotals(p)})),
    })),
  };
}

/** Why a trace was slow or failed: ranked causes, the error origin and per-span baselines. */
export async function explain(id, signal) {
  const {body} = await request('/api/skein/traces/' + encodeURIComponent(id) + '/explain', signal);
  return body;
}

/**
 * BubbleUp: the attribute values over-represented on a selection of spans against the rest of the
 * population. Times are epoch milliseconds here and microseconds on the wire.
 */
export async function compareSpans({service, operation, startMs, endMs, selection, limit}, signal) {
  const sel = {};
  if (selection.minDuration) sel.minDuration = selection.minDuration;
  if (selection.maxDuration) sel.maxDuration = selection.maxDuration;
  if (selection.startMs) sel.start = Math.floor(selection.startMs * 1000);
  if (selection.endMs) sel.end = Math.ceil(selection.endMs * 1000);
  if (selection.errorsOnly) sel.errorsOnly = true;
  const payload = {start: Math.floor(startMs * 1000), end: Math.ceil(endMs * 1000), selection: sel};
  if (service) payload.service = service;
  if (operation) payload.operation = operation;
  if (limit) payload.limit = limit;
  const {body} = await request('/api/skein/compare', signal, payload);
  return {
    selectionSpans: Number(body.selectionSpans) || 0,
    baselineSpans: Number(body.baselineSpans) || 0,
    attributes: (body.attributes || []).map((a) => ({
      scope: String(a.scope || ''),
      key: String(a.key),
      value: String(a.value),
      selectionCount: Number(a.selectionCount) || 0,
      baselineCount: Number(a.baselineCount) || 0,
      selectionShare: Number(a.selectionShare) || 0,
      baselineShare: Number(a.baselineShare) || 0,
      difference: Number(a.difference) || 0,
      tag: a.filter && a.filter.tag != null ? String(a.filter.tag) : null,
      traceql: a.filter && a.filter.traceql != null ? String(a.filter.traceql) : null,
    })),
  };
}

/** Jaeger's tags parameter from "k=v k2="v 2"" text: a JSON map. */
export function tagsJson(logfmt) {
  const out = {};
  const re = /\s*([^\s=]+)=("((?:[^"\\]|\\.)*)"|\S*)/gy;
  let m;
  let last = 0;
  const text = String(logfmt || '');
  while ((m = re.exec(text)) !== null) {
    out[m[1]] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2];
    last = re.lastIndex;
  }
  if (text.slice(last).trim()) throw new ApiError(400, 'tags: "' + text.slice(last).trim() + '" (expected: key=value pairs separated by spaces)');
  return Object.keys(out).length ? JSON.stringify(out) : '';
}

/**
 * Searches traces and answers summaries, newest first unless an order is given:
 * {traces: [{traceID, rootService, rootName, startMs, durationNs, spanCount, errorCount, services: [{name, spanCount}]}], next}.
 * Uses Skein's summary search; a server without it is asked through Jaeger's /api/traces.
 */
export async function search(p, signal) {
  const params = {
    service: p.service,
    operation: p.operation,
    tags: tagsJson(p.tags),
    q: p.q,
    minDuration: p.minDuration,
    maxDuration: p.maxDuration,
    start: p.startMs ? Math.floor(p.startMs * 1000) : undefined,
    end: p.endMs ? Math.ceil(p.endMs * 1000) : undefined,
    limit: p.limit,
    order: p.order,
    cursor: p.cursor,
  };
  try {
    const {body} = await request('/api/skein/search' + query(params), signal);
    return {
      traces: (body.traces || []).map((t) => ({
        traceID: String(t.traceID),
        rootService: t.rootServiceName == null ? '' : String(t.rootServiceName),
        rootName: t.rootSpanName == null ? '' : String(t.rootSpanName),
        startMs: Number(BigInt(t.startTimeUnixNano || '0') / 1000n) / 1000,
        durationNs: Number(t.durationNanos || 0),
        spanCount: Number(t.spanCount) || 0,
        errorCount: Number(t.errorCount) || 0,
        services: (t.services || []).map((x) => ({name: String(x.name), spanCount: Number(x.spanCount) || 0})),
        matched: (t.matchedSpanIDs || []).map(String),
      })),
      next: body.nextCursor || null,
      warnings: body.warnings || [],
    };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
  }
  if (p.q) throw new ApiError(501, 'this server does not answer TraceQL searches');
  delete params.q;
  const {body} = await request('/api/traces' + query(params), signal);
  return {traces: (body.data || []).map(summarizeJaeger), next: body.nextCursor || null, warnings: []};
}

function summarizeJaeger(t) {
  const spans = t.spans || [];
  const ids = new Set(spans.map((s) => s.spanID));
  const byService = new Map();
  let start = Infinity;
  let end = -Infinity;
  let errors = 0;
  let root = null;
  for (const s of spans) {
    const svc = (t.processes && t.processes[s.processID] && t.processes[s.processID].serviceName) || '';
    byService.set(svc, (byService.get(svc) || 0) + 1);
    start = Math.min(start, s.startTime);
    end = Math.max(end, s.startTime + s.duration);
    if ((s.tags || []).some((g) => (g.key === 'error' && g.value === true) || (g.key === 'otel.status_code' && g.value === 'ERROR'))) errors++;
    const parent = (s.references || []).find((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID));
    if (!parent && (!root || s.startTime < root.startTime)) root = {...s, service: svc};
  }
  return {
    traceID: String(t.traceID),
    rootService: root ? root.service : '',
    rootName: root ? String(root.operationName) : '',
    startMs: start / 1000,
    durationNs: (end - start) * 1000,
    spanCount: spans.length,
    errorCount: errors,
    services: [...byService].map(([name, spanCount]) => ({name, spanCount})),
    matched: [],
  };
}
