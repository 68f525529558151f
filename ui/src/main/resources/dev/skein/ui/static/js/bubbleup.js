// BubbleUp: what sets a selection of spans apart from the rest of the same spans. The population
// is the search's service, operation and time window; the selection is a duration range, a time
// range or the failed spans. Its state is the URL, so a comparison can be shared.

import {h, replace, notice} from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';

/** The search fields carried through the comparison, so that a filter goes back to the same search. */
const SEARCH_FIELDS = ['service', 'operation', 'tags', 'q', 'lookback', 'limit', 'order'];

/** The URL of a comparison: the search's fields, the population window and the selection. */
export function bubbleupUrl(search, {startMs, endMs}, selection) {
  const u = new URLSearchParams();
  for (const f of SEARCH_FIELDS) if (search[f]) u.set(f, search[f]);
  u.set('start', String(Math.floor(startMs)));
  u.set('end', String(Math.ceil(endMs)));
  if (selection.minDuration) u.set('minDuration', selection.minDuration);
  if (selection.maxDuration) u.set('maxDuration', selection.maxDuration);
  if (selection.startMs) u.set('selStart', String(Math.floor(selection.startMs)));
  if (selection.endMs) u.set('selEnd', String(Math.ceil(selection.endMs)));
  if (selection.errorsOnly) u.set('errorsOnly', 'true');
  return '/bubbleup?' + u.toString();
}

/** A duration in nanoseconds as a Go duration the API accepts, to a tenth of a millisecond. */
export function goDuration(ns) {
  const ms = Math.max(0, ns) / 1e6;
  return (ms >= 10 ? ms.toFixed(0) : ms.toFixed(1).replace(/\.0$/, '')) + 'ms';
}

/** The search tags text with key=value added, quoted when the value needs it. */
function withTag(tags, key, value) {
  const v = /^[^\s"\\]+$/.test(value) ? value : '"' + value.replace(/(["\\])/g, '\\$1') + '"';
  return ((tags || '').trim() + ' ' + key + '=' + v).trim();
}

export async function render(main, {params, signal, navigate}) {
  document.title = 'BubbleUp · Skein';
  const search = {};
  for (const f of SEARCH_FIELDS) search[f] = params.get(f) || '';
  const startMs = Number(params.get('start'));
  const endMs = Number(params.get('end'));
  const selStart = Number(params.get('selStart')) || null;
  const selEnd = Number(params.get('selEnd')) || null;

  const minD = h('input', {type: 'text', id: 'bu-min', value: params.get('minDuration') || '', placeholder: 'e.g. 500ms', spellcheck: 'false'});
  const maxD = h('input', {type: 'text', id: 'bu-max', value: params.get('maxDuration') || '', placeholder: 'e.g. 2s', spellcheck: 'false'});
  const errorsOnly = h('input', {type: 'checkbox', id: 'bu-errors', checked: params.get('errorsOnly') === 'true'});
  const inTime = h('input', {type: 'checkbox', id: 'bu-in-time', checked: !!(selStart || selEnd), disabled: !(selStart || selEnd)});
  const formError = h('div', {class: 'form-error', role: 'alert', id: 'bu-error'});
  const backToSearch = '/search?' + new URLSearchParams(Object.fromEntries(Object.entries({
    ...search, ...(search.lookback && search.lookback !== 'custom' ? {} : {lookback: 'custom', start: String(startMs), end: String(endMs)}),
  }).filter(([, v]) => v)));
  const form = h('form', {class: 'bubbleup-form', id: 'bubbleup-form', autocomplete: 'off'},
    h('div', {class: 'bu-population'},
      h('strong', null, 'Spans: '),
      h('span', {id: 'bu-population'}, (search.service || 'all services') + (search.operation ? ' · ' + search.operation : ''),
        ' from ' + fmt.dateTime(startMs) + ' to ' + fmt.dateTime(endMs)),
      ' ', h('a', {href: backToSearch, id: 'bu-back'}, 'Back to the search')),
    h('div', {class: 'field-row bu-selection'},
      h('div', {class: 'field'}, h('label', {for: 'bu-min'}, 'Selected spans: duration from'), minD),
      h('div', {class: 'field'}, h('label', {for: 'bu-max'}, 'to'), maxD),
      h('label', {class: 'check'}, inTime, selStart || selEnd
        ? ' started ' + fmt.dateTime(selStart || startMs) + ' – ' + fmt.dateTime(selEnd || endMs) : ' any start time'),
      h('label', {class: 'check'}, errorsOnly, ' errors only'),
      h('button', {type: 'submit', class: 'primary', id: 'bu-submit'}, 'Compare')),
    formError);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    for (const [k, el] of [['minDuration', minD], ['maxDuration', maxD]]) {
      if (el.value.trim() && fmt.parseDuration(el.value) === null) {
        formError.textContent = k + ': "' + el.value + '" (expected: a duration such as 250ms, 1.5s or 2m)';
        el.focus();
        return;
      }
    }
    const sel = {
      minDuration: minD.value.trim(),
      maxDuration: maxD.value.trim(),
      startMs: inTime.checked ? selStart : null,
      endMs: inTime.checked ? selEnd : null,
      errorsOnly: errorsOnly.checked,
    };
    if (!sel.minDuration && !sel.maxDuration && !sel.startMs && !sel.endMs && !sel.errorsOnly) {
      formError.textContent = 'Selection: choose a duration range or errors only';
      return;
    }
    navigate(bubbleupUrl(search, {startMs, endMs}, sel));
  });

  const out = h('div', {class: 'bubbleup-out', id: 'bubbleup-out'});
  replace(main, h('section', {class: 'page bubbleup-page'},
    h('h1', null, 'What sets these spans apart?'),
    h('p', {class: 'muted'}, 'BubbleUp compares the selected spans with the rest of the same spans, attribute by attribute,'
      + ' and ranks the values most over-represented in the selection.'),
    form, out));

  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || !startMs || endMs <= startMs) {
    replace(out, notice('empty', 'Select a region of the duration plot on the search page, or choose "errors only" there.'));
    return;
  }
  const selection = {
    minDuration: params.get('minDuration') || '',
    maxDuration: params.get('maxDuration') || '',
    startMs: selStart,
    endMs: selEnd,
    errorsOnly: params.get('errorsOnly') === 'true',
  };
  if (!selection.minDuration && !selection.maxDuration && !selection.startMs && !selection.endMs && !selection.errorsOnly) {
    replace(out, notice('empty', 'Choose a duration range or errors only, then Compare.'));
    return;
  }
  replace(out, notice('loading', 'Comparing…'));
  let r;
  try {
    r = await api.compareSpans({service: search.service, operation: search.operation, startMs, endMs, selection, limit: 20}, signal);
  } catch (e) {
    if (!signal.aborted) replace(out, notice('error', 'Cannot compare: ' + e.message));
    return;
  }
  if (signal.aborted) return;

  const apply = (a) => {
    const next = {...search};
    if (/^[^\s="]+$/.test(a.key)) next.tags = withTag(search.tags, a.key, a.value);
    else if (a.traceql) next.q = search.q ? search.q + ' && ' + a.traceql : a.traceql;
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v) u.set(k, v);
    if (!next.lookback || next.lookback === 'custom') {
      u.set('lookback', 'custom');
      u.set('start', String(startMs));
      u.set('end', String(endMs));
    }
    navigate('/search?' + u.toString());
  };
  const pct = (x) => Math.max(0, Math.min(100, x * 100));
  replace(out,
    h('p', {class: 'bu-counts', id: 'bu-counts'},
      h('span', {class: 'bu-legend sel'}, fmt.count(r.selectionSpans) + (r.selectionSpans === 1 ? ' span selected' : ' spans selected')),
      h('span', {class: 'bu-legend base'}, fmt.count(r.baselineSpans) + (r.baselineSpans === 1 ? ' span in the baseline' : ' spans in the baseline'))),
    r.attributes.length
      ? h('ol', {class: 'bu-attributes', id: 'bubbleup-attributes'}, r.attributes.map((a) => h('li', {class: 'bu-attr',
        dataset: {key: a.key, value: a.value, scope: a.scope}},
      h('div', {class: 'bu-attr-head'},
        h('span', {class: 'bu-key'}, a.key), h('span', {class: 'sep'}, ' = '), h('span', {class: 'bu-value'}, a.value),
        a.scope === 'resource' ? h('span', {class: ['badge', 'kind']}, 'resource') : null,
        h('button', {type: 'button', class: 'bu-filter', title: 'Search for traces with this attribute',
          onclick: () => apply(a)}, 'Filter search')),
      h('div', {class: 'bu-bars'},
        h('div', {class: 'bu-bar sel', title: fmt.count(a.selectionCount) + ' of the selected spans'},
          h('span', {class: 'bu-fill', style: {width: pct(a.selectionShare) + '%'}}),
          h('span', {class: 'bu-label'}, 'selection ' + fmt.percent(a.selectionShare))),
        h('div', {class: 'bu-bar base', title: fmt.count(a.baselineCount) + ' of the baseline spans'},
          h('span', {class: 'bu-fill', style: {width: pct(a.baselineShare) + '%'}}),
          h('span', {class: 'bu-label'}, 'baseline ' + fmt.percent(a.baselineShare)))))))
      : notice('empty', r.selectionSpans ? 'No attribute value stands out in the selection.' : 'No span is in the selection.'));
}
