// The trace page: header, the explanation of why the trace was slow or failed, minimap,
// virtualized waterfall, span detail and statistics.

import {h, replace, clear, notice, debounce} from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';
import {buildTrace, statistics, matches, valueText, attr, KINDS, STATUS} from './model.js';

const ROW_H = 26;
const OVERSCAN = 12;

export async function render(main, {id, params, signal, navigate}) {
  document.title = 'Trace ' + id + ' · Skein';
  replace(main, notice('loading', 'Loading trace ' + id + '…'));
  const t0 = performance.now();
  let loaded;
  try {
    loaded = await api.trace(id, signal);
  } catch (e) {
    if (signal.aborted) return;
    replace(main, h('section', {class: 'page narrow'},
      h('h1', null, 'Trace ' + id),
      notice('error', e.status === 404 ? 'No trace with ID ' + id + ' is stored.' : 'Cannot load the trace: ' + e.message),
      h('p', null, h('a', {href: '/search'}, 'Back to search'))));
    return;
  }
  if (signal.aborted) return;
  const trace = buildTrace(loaded.data);
  if (!trace.spans.length) {
    replace(main, h('section', {class: 'page narrow'}, h('h1', null, 'Trace ' + id), notice('empty', 'The trace has no spans.')));
    return;
  }
  const page = new TracePage(main, trace, loaded, id, params, signal, navigate);
  page.mount();
  // Rendered synchronously above; the next frame is when the browser has painted it.
  requestAnimationFrame(() => {
    if (!signal.aborted) main.dataset.renderMs = String(Math.round(performance.now() - t0));
  });
  return () => page.destroy();
}

class TracePage {
  constructor(main, trace, loaded, id, params, signal, navigate) {
    this.main = main;
    this.trace = trace;
    this.loaded = loaded;
    this.id = id;
    this.signal = signal;
    this.navigate = navigate;
    this.collapsed = new Set();
    this.visible = trace.order;
    this.selected = null;
    this.query = '';
    this.matchList = [];
    this.matchSet = new Set();
    this.matchIndex = -1;
    this.view = [0, Math.max(trace.duration, 1)];
    this.tab = params.get('view') === 'statistics' ? 'statistics' : 'waterfall';
    this.frame = 0;
    this.initialSpan = params.get('span');
    this.explained = null;
    this.baselines = new Map();
    this.blobUrl = URL.createObjectURL(new Blob([loaded.text], {type: 'application/json'}));
    this.onResize = debounce(() => {
      this.alignHead();
      this.drawMinimap();
      this.renderRows();
    }, 100);
  }

  destroy() {
    URL.revokeObjectURL(this.blobUrl);
    window.removeEventListener('resize', this.onResize);
    cancelAnimationFrame(this.frame);
  }

  mount() {
    const t = this.trace;
    const root = t.root;
    const title = h('h1', {class: 'trace-title'},
      h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(root.service)}}),
      h('span', {class: 'svc-name'}, root.service),
      h('span', {class: 'sep'}, ': '),
      h('span', {class: 'op-name'}, root.name));
    const meta = h('dl', {class: 'trace-meta'},
      item('Trace ID', h('code', {id: 'trace-id'}, t.id || this.id)),
      item('Start', fmt.dateTime(t.startMs)),
      item('Duration', h('span', {id: 'trace-duration'}, fmt.duration(t.duration))),
      item('Services', String(t.services.size)),
      item('Spans', h('span', {id: 'trace-span-count'}, fmt.count(t.spans.length))),
      item('Depth', String(t.maxDepth + 1)),
      item('Errors', h('span', {class: t.errorCount ? 'error-text' : ''}, String(t.errorCount))));
    const names = [...t.services.keys()].sort();
    const legendItem = (name) => h('span', {class: 'legend-item', title: t.services.get(name) + ' spans'},
      h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(name)}}), name);
    const LEGEND_MAX = 12;
    const legend = h('div', {class: 'legend', id: 'legend'}, names.slice(0, LEGEND_MAX).map(legendItem));
    if (names.length > LEGEND_MAX) {
      legend.appendChild(h('button', {type: 'button', class: 'link-button', onclick: (e) => {
        e.target.remove();
        legend.classList.add('expanded');
        names.slice(LEGEND_MAX).forEach((n) => legend.appendChild(legendItem(n)));
      }}, '+' + (names.length - LEGEND_MAX) + ' more services'));
    }

    this.searchInput = h('input', {type: 'search', id: 'trace-search', placeholder: 'Find spans: name, service, attribute…',
      'aria-label': 'Find spans in this trace', spellcheck: 'false'});
    this.searchCount = h('span', {class: 'search-count', id: 'trace-search-count'});
    const onSearch = debounce(() => this.setQuery(this.searchInput.value), 120);
    this.searchInput.addEventListener('input', onSearch);
    this.searchInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.setQuery(this.searchInput.value);
        this.step(e.shiftKey ? -1 : 1);
      } else if (e.key === 'Escape') {
        this.searchInput.value = '';
        this.setQuery('');
      }
    });
    this.tabs = {
      waterfall: h('button', {type: 'button', class: 'tab', id: 'tab-waterfall', onclick: () => this.setTab('waterfall')}, 'Waterfall'),
      statistics: h('button', {type: 'button', class: 'tab', id: 'tab-statistics', onclick: () => this.setTab('statistics')}, 'Statistics'),
    };
    const toolbar = h('div', {class: 'toolbar'},
      h('div', {class: 'tabs', role: 'tablist'}, this.tabs.waterfall, this.tabs.statistics),
      h('div', {class: 'search-box'}, this.searchInput, this.searchCount,
        h('button', {type: 'button', class: 'icon-button', title: 'Previous match', 'aria-label': 'Previous match', onclick: () => this.step(-1)}, '↑'),
        h('button', {type: 'button', class: 'icon-button', title: 'Next match', 'aria-label': 'Next match', onclick: () => this.step(1)}, '↓')),
      h('span', {class: 'cp-legend', title: 'The spans whose work decided when the trace ended'}, 'critical path'),
      h('div', {class: 'actions'},
        h('button', {type: 'button', id: 'collapse-all', onclick: () => this.collapseAll()}, 'Collapse all'),
        h('button', {type: 'button', id: 'expand-all', onclick: () => this.expandAll()}, 'Expand all'),
        h('a', {class: 'button', href: '/compare?a=' + encodeURIComponent(t.id || this.id)}, 'Compare…'),
        h('a', {class: 'button', id: 'download-json', href: this.blobUrl, download: 'trace-' + (t.id || this.id) + '.json'}, 'Download JSON')));
    const warnings = this.loaded.warnings.map((w) => notice('warning', String(w)));
    this.explainPanel = h('section', {class: 'explain', id: 'explain', 'aria-label': 'Why the trace was slow or failed',
      hidden: localStorage.getItem('skein.explain') === 'closed'});
    this.explainButton = h('button', {type: 'button', id: 'explain-toggle', class: 'explain-toggle',
      'aria-controls': 'explain', 'aria-expanded': String(!this.explainPanel.hidden), onclick: () => this.toggleExplain()}, 'Why slow?');

    // Minimap
    this.mmCanvas = h('canvas', {class: 'minimap-canvas', height: '48'});
    this.mmSel = h('div', {class: 'mm-selection'});
    this.mmShadeL = h('div', {class: 'mm-shade'});
    this.mmShadeR = h('div', {class: 'mm-shade'});
    this.mmDrag = h('div', {class: 'mm-drag', hidden: true});
    this.mm = h('div', {class: 'minimap', id: 'minimap', title: 'Drag to zoom into a time window'},
      this.mmCanvas, this.mmShadeL, this.mmShadeR, this.mmSel, this.mmDrag);
    this.resetZoom = h('button', {type: 'button', id: 'reset-zoom', disabled: true, onclick: () => this.setView(0, this.trace.duration)}, 'Reset zoom');
    this.mmLabels = h('div', {class: 'mm-labels'});
    this.minimapWrap = h('div', {class: 'minimap-wrap'}, h('div', {class: 'minimap-row'}, this.mm, this.resetZoom), this.mmLabels);
    this.bindMinimap();

    // Waterfall
    this.ticks = h('div', {class: 'ticks'});
    this.spacer = h('div', {class: 'wf-spacer', role: 'rowgroup'});
    this.body = h('div', {class: 'wf-body', id: 'waterfall-body', tabindex: '0'}, this.spacer);
    this.waterfall = h('div', {class: 'waterfall', id: 'waterfall', role: 'table', 'aria-label': 'Span waterfall'},
      h('div', {class: 'wf-head'}, h('div', {class: 'name-col'}, 'Service and operation'), this.ticks),
      this.body);
    this.detail = h('aside', {class: 'detail', id: 'span-detail', hidden: true, 'aria-label': 'Span details'});
    this.wfView = h('div', {class: 'wf-view'}, this.minimapWrap, h('div', {class: 'wf-split'}, this.waterfall, this.detail));
    this.statsView = h('div', {class: 'stats-view', id: 'statistics', hidden: true});

    replace(this.main, h('section', {class: 'trace-page', id: 'trace-page', dataset: {traceId: t.id}},
      h('div', {class: 'trace-header'}, h('div', {class: 'trace-title-row'}, title, this.explainButton), meta, legend, ...warnings,
        this.explainPanel, toolbar),
      this.wfView, this.statsView));

    this.body.addEventListener('scroll', () => this.schedule(), {passive: true});
    this.spacer.addEventListener('click', (e) => this.onRowClick(e));
    this.body.addEventListener('keydown', (e) => this.onKey(e));
    window.addEventListener('resize', this.onResize);

    this.refreshVisible();
    this.setTab(this.tab);
    this.drawMinimap();
    this.updateView();
    if (this.initialSpan) {
      const s = this.trace.byId.get(this.initialSpan);
      if (s) this.select(s, {scroll: true, replaceUrl: false});
      else this.wfView.prepend(notice('warning', 'No span ' + this.initialSpan + ' in this trace.'));
    }
    if (!this.explainPanel.hidden) this.loadExplain();
  }

  // ---- explanation

  toggleExplain() {
    const open = this.explainPanel.hidden;
    this.explainPanel.hidden = !open;
    this.explainButton.setAttribute('aria-expanded', String(open));
    localStorage.setItem('skein.explain', open ? 'open' : 'closed');
    if (open && !this.explained) this.loadExplain();
    this.alignHead();
    this.renderRows();
  }

  async loadExplain() {
    if (this.explained) return;
    this.explained = 'loading';
    replace(this.explainPanel, h('h2', null, 'Why slow?'), notice('loading', 'Explaining the trace…'));
    let x;
    try {
      x = await api.explain(this.trace.id || this.id, this.signal);
    } catch (e) {
      if (this.signal.aborted) return;
      this.explained = null;
      replace(this.explainPanel, h('h2', null, 'Why slow?'), notice('error', 'Cannot explain the trace: ' + e.message));
      return;
    }
    if (this.signal.aborted) return;
    this.explained = x;
    for (const sp of x.spans || []) {
      if (sp && sp.baseline) this.baselines.set(String(sp.spanID), sp.baseline);
    }
    this.renderExplain(x);
    // Only the baseline's own slot changes, so that nothing the user is pointing at is rebuilt.
    if (this.selected) this.renderBaseline(this.selected);
  }

  renderBaseline(s) {
    const base = this.baselines.get(s.id);
    if (!base || !this.baselineSlot) {
      if (this.baselineSlot) clear(this.baselineSlot);
      return;
    }
    const rank = base.percentileRank;
    replace(this.baselineSlot, kvTable([
      ['Usual duration', 'p50 ' + fmt.duration(Number(base.p50Ms) * 1e6) + ' · p99 ' + fmt.duration(Number(base.p99Ms) * 1e6)
        + ' (' + fmt.count(Number(base.count) || 0) + ' spans of ' + s.service + ' · ' + s.name + ')'],
      rank !== null && rank !== undefined ? ['Percentile rank', 'slower than ' + Number(rank) + '% of them'] : null,
    ], 'baseline'));
  }

  /** A link that selects a span of this trace as a ?span= deep link does. */
  spanLink(spanId, cls, ...children) {
    const id = String(spanId || '');
    return h('a', {class: cls, href: '/trace/' + encodeURIComponent(this.trace.id || this.id) + '?span=' + encodeURIComponent(id),
      dataset: {spanId: id}, onclick: (e) => {
        const s = this.trace.byId.get(id);
        if (!s) return;
        e.preventDefault();
        if (this.tab !== 'waterfall') this.setTab('waterfall');
        this.select(s, {scroll: true});
      }}, ...children);
  }

  renderExplain(x) {
    const causes = Array.isArray(x.causes) ? x.causes : [];
    const bw = x.baselineWindow || {};
    const origin = x.errors && x.errors.origin;
    const exc = origin && origin.exception;
    const warnings = Array.isArray(x.warnings) ? x.warnings : [];
    replace(this.explainPanel,
      h('div', {class: 'explain-head'}, h('h2', null, 'Why slow?'),
        h('span', {class: 'muted'}, 'Compared with the same operations from ' + fmt.dateTime(Number(bw.start)) + ' to '
          + fmt.dateTime(Number(bw.end)) + '.')),
      causes.length
        ? h('ol', {class: 'causes', id: 'explain-causes'}, causes.map((c, i) => h('li', {class: ['cause', 'kind-' + String(c.kind)],
          dataset: {kind: String(c.kind), spanId: String(c.spanID || ''), service: String(c.service || ''), operation: String(c.operation || '')}},
        h('span', {class: 'cause-rank'}, String(i + 1)),
        h('span', {class: ['badge', 'cause-kind']}, String(c.kind || '').replace(/_/g, ' ')),
        this.spanLink(c.spanID, 'cause-link', codeText(c.text || (c.service + ' ' + c.operation))))))
        : h('p', {class: 'muted', id: 'explain-causes-none'}, 'Nothing stands out: no span was slow against its usual duration.'),
      origin ? h('div', {class: 'explain-error', id: 'explain-error'},
        h('strong', null, 'Error origin: '),
        this.spanLink(origin.spanID, 'origin-link', h('span', {class: 'svc-name'}, String(origin.service || '')), ' · ',
          h('span', {class: 'op-name'}, String(origin.operation || ''))),
        origin.statusMessage ? h('span', {class: 'origin-message'}, ': ' + String(origin.statusMessage)) : null,
        x.errors.count > 1 ? h('span', {class: 'muted'}, ' (' + x.errors.count + ' spans failed)') : null,
        exc ? h('details', {class: 'origin-exception'},
          h('summary', null, h('strong', {class: 'exception-type'}, String(exc.type || 'Exception')),
            exc.message ? h('span', {class: 'exception-message'}, ': ' + String(exc.message)) : null),
          exc.stacktrace ? formatStack(exc.stacktrace) : null) : null) : null,
      warnings.length === 1 ? notice('warning', String(warnings[0])) : null,
      warnings.length > 1 ? h('details', {class: 'explain-warnings'}, h('summary', null, warnings.length + ' warnings'),
        h('ul', null, warnings.map((w) => h('li', null, String(w))))) : null);
  }

  // ---- tabs

  setTab(tab) {
    this.tab = tab;
    for (const [k, el] of Object.entries(this.tabs)) {
      el.classList.toggle('active', k === tab);
      el.setAttribute('aria-selected', String(k === tab));
    }
    this.wfView.hidden = tab !== 'waterfall';
    this.statsView.hidden = tab !== 'statistics';
    if (tab === 'statistics' && !this.statsView.firstChild) this.renderStats();
    if (tab === 'waterfall') {
      this.drawMinimap();
      this.renderRows();
    }
  }

  // ---- rows

  refreshVisible() {
    if (!this.collapsed.size) {
      this.visible = this.trace.order;
    } else {
      const out = [];
      let skipDepth = Infinity;
      for (const s of this.trace.order) {
        if (s.depth > skipDepth) continue;
        skipDepth = this.collapsed.has(s) ? s.depth : Infinity;
        out.push(s);
      }
      this.visible = out;
    }
    this.rowIndex = new Map(this.visible.map((s, i) => [s, i]));
    this.spacer.style.height = this.visible.length * ROW_H + 'px';
    this.alignHead();
    this.renderRows();
  }

  /** Keeps the time axis over the bars when the rows have a scroll bar and the head does not. */
  alignHead() {
    const gutter = this.body.offsetWidth - this.body.clientWidth;
    this.waterfall.style.setProperty('--gutter', Math.max(0, gutter) + 'px');
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderRows();
    });
  }

  renderRows() {
    if (this.tab !== 'waterfall') return;
    const height = this.body.clientHeight || 600;
    const top = this.body.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(this.visible.length, Math.ceil((top + height) / ROW_H) + OVERSCAN);
    const frag = document.createDocumentFragment();
    for (let i = first; i < last; i++) frag.appendChild(this.row(this.visible[i], i));
    clear(this.spacer).appendChild(frag);
  }

  row(s, i) {
    const [v0, v1] = this.view;
    const span = v1 - v0 || 1;
    const color = fmt.serviceColor(s.service);
    const hasChildren = s.children.length > 0;
    const collapsed = this.collapsed.has(s);
    const toggle = hasChildren
      ? h('button', {type: 'button', class: 'tog', 'aria-label': collapsed ? 'Expand' : 'Collapse', 'aria-expanded': String(!collapsed)},
        collapsed ? '▸' : '▾')
      : h('span', {class: 'tog-none'});
    const errIcon = s.error
      ? h('span', {class: 'err-icon own', title: 'This span failed'}, '!')
      : s.errorBelow ? h('span', {class: 'err-icon below', title: 'A span below failed'}, '!') : null;
    const name = h('div', {class: 'name', style: {'padding-left': 6 + s.depth * 14 + 'px'}},
      toggle,
      errIcon,
      h('span', {class: 'svc', style: {'--c': color}}, s.service),
      h('span', {class: 'op'}, s.name),
      collapsed ? h('span', {class: 'hidden-count'}, '+' + countBelow(s)) : null);

    const left = ((s.start - v0) / span) * 100;
    const width = (s.duration / span) * 100;
    const bar = h('div', {class: 'bar', style: {left: left + '%', width: `max(${width}%, 1px)`, '--c': color}});
    if (s.critical && s.duration > 0) {
      for (const [a, b] of s.critical) {
        if (b <= a) continue;
        bar.appendChild(h('div', {class: 'cp', style: {left: ((a - s.start) / s.duration) * 100 + '%', width: ((b - a) / s.duration) * 100 + '%'}}));
      }
    }
    for (const e of s.events) {
      if (e.time < s.start || e.time > s.end || s.duration <= 0) continue;
      bar.appendChild(h('div', {class: ['tick', e.name === 'exception' ? 'exception' : ''], style: {left: ((e.time - s.start) / s.duration) * 100 + '%'}}));
    }
    // The label goes after the bar, else before it, else inside its right end.
    const end = Math.min(left + width, 100);
    let place = 'right';
    let style = {left: `calc(${Math.max(end, 0)}% + 4px)`};
    if (end > 80 && left > 15) {
      place = 'left';
      style = {right: `calc(${100 - left}% + 4px)`};
    } else if (end > 80) {
      place = 'inside';
      style = {right: `calc(${100 - end}% + 2px)`};
    }
    const label = h('span', {class: ['dur', place], style}, fmt.duration(s.duration));
    const timeline = h('div', {class: 'timeline'}, bar, label);
    const classes = ['row'];
    if (s === this.selected) classes.push('selected');
    if (s.error) classes.push('error');
    if (s.errorBelow) classes.push('error-below');
    if (s.critical) classes.push('critical');
    if (this.query) classes.push(this.matchSet.has(s) ? 'match' : 'dim');
    return h('div', {class: classes, role: 'row', style: {top: i * ROW_H + 'px'},
      dataset: {spanId: s.id, depth: s.depth, service: s.service}, 'aria-selected': String(s === this.selected)}, name, timeline);
  }

  onRowClick(e) {
    const rowEl = e.target.closest('.row');
    if (!rowEl) return;
    const s = this.visible[Math.round(parseFloat(rowEl.style.top) / ROW_H)];
    if (!s) return;
    if (e.target.closest('.tog')) {
      this.toggle(s);
    } else {
      this.select(s === this.selected ? null : s, {scroll: false});
    }
  }

  onKey(e) {
    if (!this.visible.length) return;
    const i = this.selected ? this.rowIndex.get(this.selected) : -1;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const j = Math.max(0, Math.min(this.visible.length - 1, (i === undefined ? -1 : i) + (e.key === 'ArrowDown' ? 1 : -1)));
      this.select(this.visible[j], {scroll: true});
    } else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && this.selected && this.selected.children.length) {
      e.preventDefault();
      const collapse = e.key === 'ArrowLeft';
      if (collapse !== this.collapsed.has(this.selected)) this.toggle(this.selected);
    }
  }

  toggle(s) {
    if (this.collapsed.has(s)) this.collapsed.delete(s);
    else this.collapsed.add(s);
    this.refreshVisible();
  }

  collapseAll() {
    this.collapsed = new Set(this.trace.spans.filter((s) => s.children.length && s.parent));
    if (this.selected) this.reveal(this.selected);
    this.refreshVisible();
  }

  expandAll() {
    this.collapsed.clear();
    this.refreshVisible();
  }

  reveal(s) {
    for (let p = s.parent; p; p = p.parent) this.collapsed.delete(p);
  }

  select(s, {scroll, replaceUrl = true}) {
    this.selected = s;
    if (s) {
      this.reveal(s);
      this.refreshVisible();
      if (scroll) this.scrollTo(s);
      this.renderDetail(s);
    } else {
      this.detail.hidden = true;
      clear(this.detail);
      this.renderRows();
    }
    if (replaceUrl) {
      const u = new URL(location.href);
      if (s) u.searchParams.set('span', s.id);
      else u.searchParams.delete('span');
      history.replaceState(history.state, '', u.pathname + u.search);
    }
  }

  scrollTo(s) {
    const i = this.rowIndex.get(s);
    if (i === undefined) return;
    const h0 = this.body.clientHeight || 600;
    const y = i * ROW_H;
    if (y < this.body.scrollTop || y + ROW_H > this.body.scrollTop + h0) {
      this.body.scrollTop = Math.max(0, y - h0 / 3);
    }
    this.renderRows();
  }

  // ---- in-trace search

  setQuery(text) {
    this.query = text.trim().toLowerCase();
    this.matchList = this.query ? this.trace.order.filter((s) => matches(s, this.query)) : [];
    this.matchSet = new Set(this.matchList);
    this.matchIndex = -1;
    this.searchCount.textContent = this.query ? this.matchList.length + (this.matchList.length === 1 ? ' match' : ' matches') : '';
    this.drawMinimap();
    this.renderRows();
  }

  step(dir) {
    if (!this.matchList.length) return;
    this.matchIndex = (this.matchIndex + dir + this.matchList.length) % this.matchList.length;
    this.searchCount.textContent = (this.matchIndex + 1) + ' of ' + this.matchList.length;
    this.select(this.matchList[this.matchIndex], {scroll: true});
  }

  // ---- time window

  setView(a, b) {
    const d = this.trace.duration;
    a = Math.max(0, Math.min(a, d));
    b = Math.max(0, Math.min(b, d));
    if (b - a < 1) b = Math.min(d, a + 1);
    this.view = [a, Math.max(b, a + 1)];
    this.updateView();
    this.renderRows();
  }

  updateView() {
    const d = this.trace.duration || 1;
    const [a, b] = this.view;
    const l = (a / d) * 100;
    const r = (b / d) * 100;
    this.mmSel.style.left = l + '%';
    this.mmSel.style.width = r - l + '%';
    this.mmShadeL.style.left = '0';
    this.mmShadeL.style.width = l + '%';
    this.mmShadeR.style.left = r + '%';
    this.mmShadeR.style.width = 100 - r + '%';
    this.resetZoom.disabled = a <= 0 && b >= this.trace.duration;
    clear(this.ticks);
    for (let i = 0; i <= 4; i++) {
      this.ticks.appendChild(h('span', {class: 'tick-label', style: {left: i * 25 + '%'}}, fmt.duration(a + ((b - a) * i) / 4)));
    }
    clear(this.mmLabels);
    for (let i = 0; i <= 4; i++) {
      this.mmLabels.appendChild(h('span', {style: {left: i * 25 + '%'}}, fmt.duration((this.trace.duration * i) / 4)));
    }
  }

  bindMinimap() {
    let startX = null;
    const frac = (e) => {
      const r = this.mm.getBoundingClientRect();
      return Math.max(0, Math.min(1, (e.clientX - r.left) / (r.width || 1)));
    };
    this.mm.addEventListener('mousedown', (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      startX = frac(e);
      this.mmDrag.hidden = false;
      this.mmDrag.style.left = startX * 100 + '%';
      this.mmDrag.style.width = '0';
      const move = (ev) => {
        const x = frac(ev);
        this.mmDrag.style.left = Math.min(x, startX) * 100 + '%';
        this.mmDrag.style.width = Math.abs(x - startX) * 100 + '%';
      };
      const up = (ev) => {
        window.removeEventListener('mousemove', move);
        window.removeEventListener('mouseup', up);
        this.mmDrag.hidden = true;
        const x = frac(ev);
        const d = this.trace.duration;
        if (Math.abs(x - startX) * this.mm.clientWidth >= 3) {
          this.setView(Math.min(x, startX) * d, Math.max(x, startX) * d);
        } else {
          // A click moves the current window to be centred there.
          const w = this.view[1] - this.view[0];
          const c = x * d;
          const a = Math.max(0, Math.min(d - w, c - w / 2));
          this.setView(a, a + w);
        }
        startX = null;
      };
      window.addEventListener('mousemove', move);
      window.addEventListener('mouseup', up);
    });
  }

  drawMinimap() {
    const c = this.mmCanvas;
    const width = c.clientWidth || 800;
    const height = 48;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(height * dpr);
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    const order = this.trace.order;
    const d = this.trace.duration || 1;
    const n = order.length;
    const rowH = Math.max(height / Math.max(n, 1), 0.25);
    for (let i = 0; i < n; i++) {
      const s = order[i];
      const dim = this.query && !this.matchSet.has(s);
      g.globalAlpha = dim ? 0.2 : 1;
      g.fillStyle = s.error ? '#e03131' : fmt.serviceColor(s.service);
      const x = (s.start / d) * width;
      const w = Math.max((s.duration / d) * width, 1);
      g.fillRect(x, (i / n) * height, w, Math.max(rowH, n > height ? 0.5 : rowH - 1));
    }
    g.globalAlpha = 1;
  }

  // ---- detail panel

  renderDetail(s) {
    const t = this.trace;
    const link = location.origin + '/trace/' + encodeURIComponent(t.id || this.id) + '?span=' + encodeURIComponent(s.id);
    const cpTime = s.critical ? s.critical.reduce((sum, [a, b]) => sum + (b - a), 0) : 0;
    const overview = kvTable([
      ['Service', s.service],
      ['Operation', s.name],
      ['Span ID', s.id],
      ['Parent span ID', s.parentId || '(root)'],
      ['Kind', KINDS[s.kind] || String(s.kind)],
      ['Start', fmt.duration(s.start) + ' after the trace start (' + fmt.dateTime(s.startMs) + ')'],
      ['Duration', fmt.duration(s.duration)],
      ['Self time', fmt.duration(s.self)],
      ['Critical path', s.critical ? fmt.duration(cpTime) + ' of this span is on it' : 'not on it'],
      ['Status', (STATUS[s.statusCode] || String(s.statusCode)) + (s.statusMessage ? ': ' + s.statusMessage : '')],
      s.traceState ? ['Trace state', s.traceState] : null,
      s.flags ? ['Flags', '0x' + s.flags.toString(16)] : null,
      s.dropped.attributes ? ['Dropped attributes', String(s.dropped.attributes)] : null,
      s.dropped.events ? ['Dropped events', String(s.dropped.events)] : null,
      s.dropped.links ? ['Dropped links', String(s.dropped.links)] : null,
    ], 'overview');
    const statusBox = s.error
      ? h('div', {class: 'status-error', id: 'span-status', role: 'note'},
        h('strong', null, 'Error'), s.statusMessage ? h('span', null, ': ' + s.statusMessage) : null)
      : null;
    const sections = [
      h('div', {class: 'detail-head'},
        h('h2', null, h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(s.service)}}), h('span', {class: 'svc-name'}, s.service),
          h('span', {class: 'sep'}, ' · '), h('span', {class: 'op-name'}, s.name)),
        h('button', {type: 'button', class: 'icon-button close', title: 'Close', 'aria-label': 'Close span details',
          onclick: () => this.select(null, {scroll: false})}, '×')),
      h('div', {class: 'detail-links'},
        h('a', {href: '/trace/' + encodeURIComponent(t.id || this.id) + '?span=' + encodeURIComponent(s.id), id: 'span-link', title: link}, 'Link to this span'),
        s.parent ? h('a', {href: '#', onclick: (e) => {
          e.preventDefault();
          this.select(s.parent, {scroll: true});
        }}, 'Go to parent') : null),
      statusBox,
      overview,
      this.baselineSlot = h('div', {class: 'baseline-slot', id: 'span-baseline'}),
      section('Attributes', s.attributes.length, kvTable(sortedAttrs(s.attributes), 'attributes')),
      section('Events', s.events.length, this.events(s)),
      section('Links', s.links.length, this.links(s)),
      section('Resource', (s.resource.attributes || []).length, kvTable(sortedAttrs(s.resource.attributes), 'resource')),
      section('Scope', 1, kvTable([
        ['Name', s.scope.name || '(none)'],
        s.scope.version ? ['Version', s.scope.version] : null,
        s.schemaUrl ? ['Schema URL', s.schemaUrl] : null,
        ...sortedAttrs(s.scope.attributes),
      ], 'scope')),
    ];
    replace(this.detail, ...sections);
    this.renderBaseline(s);
    this.detail.hidden = false;
    this.detail.scrollTop = 0;
  }

  events(s) {
    if (!s.events.length) return h('p', {class: 'muted'}, 'No events.');
    return h('ol', {class: 'events'}, s.events.map((e) => {
      const isException = e.name === 'exception';
      const rest = e.attributes.filter((kv) => !isException || !['exception.type', 'exception.message', 'exception.stacktrace'].includes(kv.key));
      const body = [];
      if (isException) {
        const type = attr(e.attributes, 'exception.type');
        const message = attr(e.attributes, 'exception.message');
        const stack = attr(e.attributes, 'exception.stacktrace');
        body.push(h('div', {class: 'exception'},
          h('div', {class: 'exception-title'}, h('strong', {class: 'exception-type'}, type || 'Exception'),
            message ? h('span', {class: 'exception-message'}, ': ' + message) : null),
          stack ? formatStack(stack) : null));
      }
      if (rest.length) body.push(kvTable(sortedAttrs(rest), 'event-attributes'));
      return h('li', {class: ['event', isException ? 'is-exception' : '']},
        h('div', {class: 'event-head'}, h('span', {class: 'event-time'}, fmt.duration(e.time - s.start)),
          h('span', {class: 'event-name'}, e.name)),
        ...body);
    }));
  }

  links(s) {
    if (!s.links.length) return h('p', {class: 'muted'}, 'No links.');
    return h('ul', {class: 'links'}, s.links.map((l) => {
      const label = l.traceId + (l.spanId ? ' / ' + l.spanId : '');
      const target = h('span', {class: 'link-target'}, h('code', null, label), h('span', {class: 'muted'}, ' (checking…)'));
      const sameTrace = l.traceId === this.trace.id;
      const href = '/trace/' + encodeURIComponent(l.traceId) + (l.spanId ? '?span=' + encodeURIComponent(l.spanId) : '');
      if (/^[0-9a-fA-F]{1,32}$/.test(l.traceId)) {
        (sameTrace ? Promise.resolve(true) : api.traceExists(l.traceId, this.signal)).then((ok) => {
          replace(target, ok ? h('a', {href, class: 'stored-link'}, h('code', null, label))
            : h('span', null, h('code', null, label), h('span', {class: 'muted'}, ' (not stored)')));
        });
      } else {
        replace(target, h('code', null, label));
      }
      return h('li', null, target, l.attributes.length ? kvTable(sortedAttrs(l.attributes), 'link-attributes') : null);
    }));
  }

  // ---- statistics

  renderStats() {
    const st = statistics(this.trace);
    const d = this.trace.duration || 1;
    const table = (rows, withName) => h('table', {class: 'data stats'},
      h('thead', null, h('tr', null,
        h('th', null, 'Service'), withName ? h('th', null, 'Operation') : null,
        h('th', {class: 'num'}, 'Spans'), h('th', {class: 'num'}, 'Errors'),
        h('th', {class: 'num'}, 'Total time'), h('th', {class: 'num'}, 'Self time'), h('th', {class: 'num'}, 'Self % of trace'),
        h('th', {class: 'num'}, 'Avg'), h('th', {class: 'num'}, 'Min'), h('th', {class: 'num'}, 'Max'))),
      h('tbody', null, rows.map((g) => h('tr', null,
        h('td', null, h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(g.service)}}), g.service),
        withName ? h('td', null, g.name) : null,
        h('td', {class: 'num'}, fmt.count(g.count)),
        h('td', {class: ['num', g.errors ? 'error-text' : '']}, String(g.errors)),
        h('td', {class: 'num'}, fmt.duration(g.total)),
        h('td', {class: 'num'}, fmt.duration(g.self)),
        h('td', {class: 'num'}, h('span', {class: 'pct-bar', style: {'--p': Math.min(100, (g.self / d) * 100) + '%'}}), fmt.percent(g.self / d)),
        h('td', {class: 'num'}, fmt.duration(g.total / g.count)),
        h('td', {class: 'num'}, fmt.duration(g.min)),
        h('td', {class: 'num'}, fmt.duration(g.max))))));
    replace(this.statsView,
      h('p', {class: 'muted'}, 'Self time is a span’s duration minus the time its children ran. Sorted by self time.'),
      h('h2', null, 'By service'), table(st.services, false),
      h('h2', null, 'By service and operation'), table(st.operations, true));
  }
}

/** Text whose `backquoted` parts are shown as code, all as text nodes. */
function codeText(text) {
  return h('span', {class: 'cause-text'}, String(text).split('`').map((part, i) => (i % 2 ? h('code', null, part) : part)));
}

function countBelow(s) {
  let n = 0;
  const stack = [...s.children];
  while (stack.length) {
    const c = stack.pop();
    n++;
    for (const x of c.children) stack.push(x);
  }
  return n;
}

function item(label, value) {
  return h('div', {class: 'meta-item'}, h('dt', null, label), h('dd', null, value));
}

function sortedAttrs(list) {
  return [...(list || [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((kv) => [kv.key, valueText(kv.value)]);
}

function kvTable(rows, name) {
  const present = rows.filter(Boolean);
  if (!present.length) return h('p', {class: 'muted'}, 'None.');
  return h('table', {class: ['kv', name], dataset: {section: name}},
    h('tbody', null, present.map(([k, v]) => h('tr', {dataset: {key: k}}, h('th', {class: 'key', scope: 'row'}, k),
      h('td', {class: ['value', String(v).length > 80 || String(v).includes('\n') ? 'long' : '']}, v)))));
}

function section(title, n, content) {
  return h('details', {class: 'section', open: true, dataset: {section: title.toLowerCase()}},
    h('summary', null, title, h('span', {class: 'count'}, String(n))), content);
}

/** A stack trace with frames set apart from the message lines, as text. */
function formatStack(stack) {
  const lines = String(stack).replace(/\r\n?/g, '\n').split('\n');
  const frame = /^\s*(at |File "|#\d+ |\s+\S+\.\w+:\d+|in )/;
  return h('pre', {class: 'stack'}, lines.map((line, i) =>
    h('span', {class: ['line', frame.test(line) ? 'frame' : i === 0 ? 'head' : 'cause']}, line + (i < lines.length - 1 ? '\n' : ''))));
}
