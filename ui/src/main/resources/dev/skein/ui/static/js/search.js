// The search page: the form (its state is the URL), a duration-over-time scatter plot and the list.

import {h, s as svg, replace, clear, notice} from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';
import {bubbleupUrl, goDuration} from './bubbleup.js';

const FIELDS = ['service', 'operation', 'tags', 'q', 'minDuration', 'maxDuration', 'lookback', 'start', 'end', 'limit', 'order'];
const ORDERS = [['newest', 'Most recent'], ['oldest', 'Oldest first'], ['slowest', 'Longest first'], ['most_errors', 'Most errors']];
const LIMITS = ['20', '50', '100', '200', '500'];

export async function render(main, {params, signal, navigate}) {
  document.title = 'Search · Skein';
  const p = {};
  for (const f of FIELDS) p[f] = params.get(f) || '';
  if (!p.lookback && !(p.start && p.end)) p.lookback = '1h';
  if (!p.limit) p.limit = '20';
  if (!p.order) p.order = 'newest';

  const service = h('select', {name: 'service', id: 'search-service'}, h('option', {value: ''}, 'All services'));
  const operation = h('select', {name: 'operation', id: 'search-operation'}, h('option', {value: ''}, 'All operations'));
  const tags = h('input', {name: 'tags', id: 'search-tags', type: 'text', value: p.tags, spellcheck: 'false',
    placeholder: 'http.status_code=500 error=true'});
  const q = h('input', {name: 'q', id: 'search-q', type: 'text', value: p.q, spellcheck: 'false',
    placeholder: '{ duration > 500ms && resource.service.name = "db" }'});
  const minD = h('input', {name: 'minDuration', id: 'search-min', type: 'text', value: p.minDuration, placeholder: 'e.g. 100ms', spellcheck: 'false'});
  const maxD = h('input', {name: 'maxDuration', id: 'search-max', type: 'text', value: p.maxDuration, placeholder: 'e.g. 2s', spellcheck: 'false'});
  const lookback = h('select', {name: 'lookback', id: 'search-lookback'},
    fmt.LOOKBACKS.map(([k, label]) => h('option', {value: k, selected: p.lookback === k}, label)),
    h('option', {value: 'custom', selected: !p.lookback || p.lookback === 'custom'}, 'Custom range'));
  const toLocal = (ms) => {
    if (!ms) return '';
    const d = new Date(Number(ms) - new Date(Number(ms)).getTimezoneOffset() * 60000);
    return d.toISOString().slice(0, 16);
  };
  const startIn = h('input', {type: 'datetime-local', id: 'search-start', value: toLocal(p.start), 'aria-label': 'From'});
  const endIn = h('input', {type: 'datetime-local', id: 'search-end', value: toLocal(p.end), 'aria-label': 'To'});
  const custom = h('div', {class: 'custom-range', hidden: lookback.value !== 'custom'}, startIn, h('span', null, 'to'), endIn);
  lookback.addEventListener('change', () => {
    custom.hidden = lookback.value !== 'custom';
  });
  const limit = h('select', {name: 'limit', id: 'search-limit'},
    (LIMITS.includes(p.limit) ? LIMITS : [...LIMITS, p.limit]).map((l) => h('option', {value: l, selected: l === p.limit}, l)));
  const order = h('select', {name: 'order', id: 'search-order'},
    ORDERS.map(([k, label]) => h('option', {value: k, selected: k === p.order}, label)));
  const formError = h('div', {class: 'form-error', role: 'alert'});

  const form = h('form', {class: 'search-form', id: 'search-form', autocomplete: 'off'},
    field('Service', service),
    field('Operation', operation),
    field('Tags', tags, 'Space-separated key=value; quote values with spaces'),
    field('TraceQL', q, 'Optional; combined with the fields above'),
    h('div', {class: 'field-row'}, field('Min duration', minD), field('Max duration', maxD)),
    field('Time range', lookback, null, custom),
    h('div', {class: 'field-row'}, field('Limit', limit), field('Sort', order)),
    formError,
    h('button', {type: 'submit', class: 'primary', id: 'search-submit'}, 'Find traces'));

  const results = h('div', {class: 'results', id: 'search-results'});
  replace(main, h('section', {class: 'search-page'}, h('aside', {class: 'search-side'}, h('h1', null, 'Search'), form), results));

  const loadOperations = async (selected) => {
    clear(operation).appendChild(h('option', {value: ''}, 'All operations'));
    if (!service.value) return;
    try {
      const ops = await api.operations(service.value, signal);
      const names = [...new Set(ops.map((o) => o.name))].sort();
      for (const n of names) operation.appendChild(h('option', {value: n, selected: n === selected}, n));
      if (selected && !names.includes(selected)) operation.appendChild(h('option', {value: selected, selected: true}, selected));
    } catch (e) {
      if (!signal.aborted) formError.textContent = 'Cannot load operations: ' + e.message;
    }
  };
  service.addEventListener('change', () => loadOperations(''));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    formError.textContent = '';
    const next = new URLSearchParams();
    const set = (k, v) => {
      if (v !== undefined && v !== null && String(v).trim() !== '') next.set(k, String(v).trim());
    };
    set('service', service.value);
    set('operation', operation.value);
    set('tags', tags.value);
    set('q', q.value);
    for (const [k, el] of [['minDuration', minD], ['maxDuration', maxD]]) {
      if (el.value.trim() && fmt.parseDuration(el.value) === null) {
        formError.textContent = k + ': "' + el.value + '" (expected: a duration such as 250ms, 1.5s or 2m)';
        el.focus();
        return;
      }
      set(k, el.value);
    }
    if (lookback.value === 'custom') {
      const a = Date.parse(startIn.value);
      const b = Date.parse(endIn.value);
      if (Number.isNaN(a) || Number.isNaN(b) || b <= a) {
        formError.textContent = 'Time range: choose a start before the end';
        return;
      }
      set('lookback', 'custom');
      set('start', a);
      set('end', b);
    } else {
      set('lookback', lookback.value);
    }
    set('limit', limit.value);
    set('order', order.value);
    navigate('/search?' + next.toString());
  });

  try {
    const names = await api.services(signal);
    for (const n of names) service.appendChild(h('option', {value: n, selected: n === p.service}, n));
    if (p.service && !names.includes(p.service)) service.appendChild(h('option', {value: p.service, selected: true}, p.service));
  } catch (e) {
    if (signal.aborted) return;
    formError.textContent = 'Cannot load services: ' + e.message;
  }
  if (p.service) await loadOperations(p.operation);
  if (signal.aborted) return;
  await runSearch(results, p, signal, navigate);
}

function field(label, input, hint, extra) {
  const id = input.id;
  return h('div', {class: 'field'}, h('label', {for: id}, label), input, extra || null, hint ? h('div', {class: 'hint'}, hint) : null);
}

function timeRange(p) {
  if (p.lookback === 'custom' || (!p.lookback && p.start && p.end)) {
    return {startMs: Number(p.start), endMs: Number(p.end)};
  }
  const end = Date.now();
  return {startMs: end - fmt.lookbackMs(p.lookback), endMs: end};
}

async function runSearch(results, p, signal, navigate) {
  replace(results, notice('loading', 'Searching…'));
  const range = timeRange(p);
  const query = {...p, ...range, limit: Number(p.limit) || 20};
  let answer;
  try {
    answer = await api.search(query, signal);
  } catch (e) {
    if (signal.aborted) return;
    replace(results, notice('error', 'Search failed: ' + e.message));
    return;
  }
  if (signal.aborted) return;
  const traces = answer.traces;
  const selected = new Set();
  const compareBtn = h('button', {type: 'button', id: 'compare-selected', disabled: true, onclick: () => {
    const [a, b] = [...selected];
    navigate('/compare?a=' + encodeURIComponent(a) + '&b=' + encodeURIComponent(b));
  }}, 'Compare selected');
  const countEl = h('span', {id: 'result-count'}, traces.length + (traces.length === 1 ? ' trace' : ' traces'));
  const list = h('ol', {class: 'trace-list', id: 'trace-list'});
  const plot = h('div', {class: 'scatter', id: 'scatter'});
  const more = h('div', {class: 'more'});
  const all = [...traces];
  const maxDur = () => all.reduce((m, t) => Math.max(m, t.durationNs), 1);

  const addItems = (items) => {
    const md = maxDur();
    for (const t of items) {
      const box = h('input', {type: 'checkbox', class: 'pick', 'aria-label': 'Select for comparison', dataset: {traceId: t.traceID}});
      box.addEventListener('change', () => {
        if (box.checked) selected.add(t.traceID);
        else selected.delete(t.traceID);
        compareBtn.disabled = selected.size !== 2;
        for (const other of list.querySelectorAll('input.pick')) other.disabled = !other.checked && selected.size >= 2;
      });
      const services = [...t.services].sort((a, b) => b.spanCount - a.spanCount);
      list.appendChild(h('li', {class: ['trace-item', t.errorCount ? 'has-error' : ''], dataset: {traceId: t.traceID}},
        box,
        h('div', {class: 'trace-item-main'},
          h('div', {class: 'trace-item-head'},
            h('a', {class: 'trace-link', title: t.matched.length ? 'Opens the first span the TraceQL query matched' : null,
              href: '/trace/' + encodeURIComponent(t.traceID) + (t.matched.length ? '?span=' + encodeURIComponent(t.matched[0]) : '')},
              h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(t.rootService)}}),
              h('span', {class: 'svc-name'}, t.rootService || '(unknown service)'), h('span', {class: 'sep'}, ': '),
              h('span', {class: 'op-name'}, t.rootName || '(root span missing)')),
            h('span', {class: 'trace-duration'}, fmt.duration(t.durationNs))),
          h('div', {class: 'dur-bar'}, h('span', {style: {width: Math.max(0.5, (t.durationNs / md) * 100) + '%'}})),
          h('div', {class: 'trace-item-meta'},
            h('span', {class: 'span-count'}, fmt.count(t.spanCount) + (t.spanCount === 1 ? ' span' : ' spans')),
            t.errorCount ? h('span', {class: 'badge error', title: 'Spans with status ERROR'}, t.errorCount + (t.errorCount === 1 ? ' error' : ' errors')) : null,
            t.matched.length ? h('span', {class: 'badge', title: 'Spans the TraceQL query matched'}, t.matched.length + ' matched') : null,
            h('span', {class: 'chips'}, services.map((x) => h('span', {class: 'chip', title: x.name + ': ' + x.spanCount + ' spans'},
              h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(x.name)}}), x.name, h('span', {class: 'chip-count'}, String(x.spanCount))))),
            h('span', {class: 'start', title: fmt.dateTime(t.startMs)}, fmt.dateTime(t.startMs) + ' · ' + fmt.ago(t.startMs)),
            h('code', {class: 'trace-id'}, t.traceID)))));
    }
  };

  const bubbleup = (selection) => navigate(bubbleupUrl(p, range, selection));
  const drawPlot = () => scatter(plot, all, navigate, bubbleup);
  addItems(traces);
  const setMore = (next) => {
    clear(more);
    if (!next) return;
    more.appendChild(h('button', {type: 'button', id: 'load-more', onclick: async (e) => {
      e.target.disabled = true;
      try {
        const page = await api.search({...query, cursor: next}, signal);
        all.push(...page.traces);
        addItems(page.traces);
        countEl.textContent = all.length + ' traces';
        drawPlot();
        setMore(page.next);
      } catch (err) {
        replace(more, notice('error', 'Cannot load more: ' + err.message));
      }
    }}, 'Load more'));
  };
  setMore(answer.next);
  replace(results,
    h('div', {class: 'results-head'}, h('h2', null, countEl), h('span', {class: 'muted'},
      fmt.dateTime(range.startMs) + ' – ' + fmt.dateTime(range.endMs)),
    traces.length ? h('button', {type: 'button', id: 'bubbleup-errors', title: 'Compare the failed spans with the rest (BubbleUp)',
      onclick: () => bubbleup({errorsOnly: true})}, 'What do errors have in common?') : null,
    compareBtn),
    ...answer.warnings.map((w) => notice('warning', String(w))),
    traces.length ? plot : null,
    traces.length ? h('p', {class: 'hint scatter-hint'}, 'Drag over the plot to select traces and see what sets their spans apart (BubbleUp).') : null,
    traces.length ? list : notice('empty', 'No traces match. Widen the time range or remove a filter.'),
    more);
  if (traces.length) drawPlot();
}

function scatter(container, traces, navigate, onSelect) {
  clear(container);
  const width = Math.max(container.clientWidth || 800, 300);
  const height = 190;
  const pad = {l: 64, r: 16, t: 10, b: 26};
  let x0 = Math.min(...traces.map((t) => t.startMs));
  let x1 = Math.max(...traces.map((t) => t.startMs));
  if (x1 - x0 < 1000) {
    x0 -= 500;
    x1 += 500;
  }
  const y1 = Math.max(...traces.map((t) => t.durationNs)) * 1.1 || 1;
  const X = (ms) => pad.l + ((ms - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const Y = (ns) => height - pad.b - (ns / y1) * (height - pad.t - pad.b);
  const g = svg('svg', {class: 'scatter-svg', width: String(width), height: String(height), viewBox: `0 0 ${width} ${height}`,
    role: 'img', 'aria-label': 'Trace durations over time'});
  for (let i = 0; i <= 3; i++) {
    const v = (y1 * i) / 3;
    g.appendChild(svg('line', {class: 'grid', x1: pad.l, x2: width - pad.r, y1: Y(v), y2: Y(v)}));
    g.appendChild(svg('text', {class: 'axis', x: pad.l - 6, y: Y(v) + 4, 'text-anchor': 'end'}, fmt.duration(v)));
  }
  for (let i = 0; i <= 4; i++) {
    const v = x0 + ((x1 - x0) * i) / 4;
    g.appendChild(svg('text', {class: 'axis', x: X(v), y: height - 6, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle'}, fmt.time(v)));
  }
  const band = svg('rect', {class: 'scatter-band', id: 'scatter-band', x: 0, y: 0, width: 0, height: 0, visibility: 'hidden'});
  g.appendChild(band);
  let dragged = false;
  bindDrag(g, band, (a, b) => {
    dragged = true;
    const ns = (y) => Math.max(0, ((height - pad.b - y) / (height - pad.t - pad.b)) * y1);
    const ms = (x) => x0 + ((x - pad.l) / (width - pad.l - pad.r)) * (x1 - x0);
    onSelect({
      minDuration: goDuration(ns(Math.max(a.y, b.y))),
      maxDuration: goDuration(ns(Math.min(a.y, b.y))),
      startMs: ms(Math.min(a.x, b.x)),
      endMs: ms(Math.max(a.x, b.x)),
    });
  });
  for (const t of traces) {
    const r = 4 + Math.min(6, Math.log10(Math.max(t.spanCount, 1)) * 2);
    const dot = svg('circle', {class: ['dot', t.errorCount ? 'error' : ''], cx: X(t.startMs), cy: Y(t.durationNs), r,
      tabindex: '0', role: 'link', dataset: {traceId: t.traceID}},
    svg('title', null, `${t.rootService}: ${t.rootName}\n${fmt.duration(t.durationNs)} · ${t.spanCount} spans · ${fmt.dateTime(t.startMs)}`));
    const open = () => navigate('/trace/' + encodeURIComponent(t.traceID));
    dot.addEventListener('click', () => {
      if (!dragged) open();
    });
    dot.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') open();
    });
    g.appendChild(dot);
  }
  container.appendChild(g);
}

/** Calls done(from, to) with two points of the plot when the user drags a rectangle over it. */
function bindDrag(plot, band, done) {
  const at = (e) => {
    const r = plot.getBoundingClientRect();
    return {x: e.clientX - r.left, y: e.clientY - r.top};
  };
  plot.addEventListener('mousedown', (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    const a = at(e);
    let b = a;
    const move = (ev) => {
      b = at(ev);
      band.setAttribute('x', String(Math.min(a.x, b.x)));
      band.setAttribute('y', String(Math.min(a.y, b.y)));
      band.setAttribute('width', String(Math.abs(b.x - a.x)));
      band.setAttribute('height', String(Math.abs(b.y - a.y)));
      band.setAttribute('visibility', 'visible');
    };
    const up = (ev) => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      b = at(ev);
      band.setAttribute('visibility', 'hidden');
      if (Math.abs(b.x - a.x) >= 4 && Math.abs(b.y - a.y) >= 4) done(a, b);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  });
}
