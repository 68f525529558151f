// The query API on the same origin. Jaeger's /api for services, operations, search and
// dependencies; Jaeger's /api/v3 for traces as OTLP/JSON, which keeps every field of a span.

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

async function request(url, signal) {
  const r = await fetch(url, {headers: {Accept: 'application/json'}, signal});
  const text = await r.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    body = null;
  }
  if (!r.ok) throw new ApiError(r.status, messageOf(r.status, body, text));
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
    const r = await fetch('/api/v3/traces/' + encodeURIComponent(id), {method: 'HEAD', signal});
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

/** Whole traces in Jaeger's JSON, newest first, for statistics computed in the browser. */
export async function recentTraces({startMs, endMs, limit, service}, signal) {
  const {body} = await request('/api/traces' + query({
    service,
    start: Math.floor(startMs * 1000),
    end: Math.ceil(endMs * 1000),
    limit,
  }), signal);
  return body.data || [];
}

/** Whether a span in Jaeger's JSON failed: status ERROR, or the error tag. */
export function jaegerSpanFailed(span) {
  return (span.tags || []).some((g) => (g.key === 'error' && (g.value === true || g.value === 'true'))
    || (g.key === 'otel.status_code' && g.value === 'ERROR'));
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
