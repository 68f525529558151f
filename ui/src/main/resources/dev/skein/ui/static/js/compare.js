// Two traces side by side: which spans are missing, added, slower or faster in B than in A.

import {h, replace, notice} from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';
import {buildTrace, compareTraces} from './model.js';

const LABELS = {missing: 'missing in B', added: 'added in B', slower: 'slower in B', faster: 'faster in B', same: 'about the same'};

export async function render(main, {params, signal, navigate}) {
  document.title = 'Compare traces · Skein';
  const a = (params.get('a') || '').trim();
  const b = (params.get('b') || '').trim();
  const inA = h('input', {type: 'text', id: 'compare-a', value: a, placeholder: 'Trace ID A', spellcheck: 'false', 'aria-label': 'Trace A'});
  const inB = h('input', {type: 'text', id: 'compare-b', value: b, placeholder: 'Trace ID B', spellcheck: 'false', 'aria-label': 'Trace B'});
  const form = h('form', {class: 'compare-form', id: 'compare-form', autocomplete: 'off'},
    h('label', {for: 'compare-a'}, 'A'), inA, h('label', {for: 'compare-b'}, 'B'), inB,
    h('button', {type: 'submit', class: 'primary', id: 'compare-submit'}, 'Compare'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    navigate('/compare?a=' + encodeURIComponent(inA.value.trim()) + '&b=' + encodeURIComponent(inB.value.trim()));
  });
  const out = h('div', {class: 'compare-out', id: 'compare-out'});
  replace(main, h('section', {class: 'page compare-page'}, h('h1', null, 'Compare two traces'),
    h('p', {class: 'muted'}, 'Spans are matched by their path of service and operation names from the root.'), form, out));
  if (!a || !b) {
    replace(out, notice('empty', 'Enter two trace IDs, or tick two traces in the search results.'));
    return;
  }
  replace(out, notice('loading', 'Loading both traces…'));
  let ta;
  let tb;
  try {
    [ta, tb] = await Promise.all([api.trace(a, signal), api.trace(b, signal)]);
  } catch (e) {
    if (!signal.aborted) replace(out, notice('error', 'Cannot load a trace: ' + e.message));
    return;
  }
  if (signal.aborted) return;
  const A = buildTrace(ta.data);
  const B = buildTrace(tb.data);
  const rows = compareTraces(A, B);
  const counts = {missing: 0, added: 0, slower: 0, faster: 0, same: 0};
  for (const r of rows) counts[r.change]++;
  const onlyDiff = h('input', {type: 'checkbox', id: 'only-differences'});
  const tbody = h('tbody');
  const fill = () => {
    replace(tbody, ...rows.filter((r) => !onlyDiff.checked || r.change !== 'same').map((r) => {
      const delta = r.durationA !== null && r.durationB !== null ? r.durationB - r.durationA : null;
      return h('tr', {class: ['cmp-row', r.change], dataset: {change: r.change, service: r.service, name: r.name}},
        h('td', {class: 'cmp-name', style: {'padding-left': 8 + r.depth * 16 + 'px'}},
          h('span', {class: 'swatch', style: {'--c': fmt.serviceColor(r.service)}}),
          h('span', {class: 'svc-name'}, r.service), h('span', {class: 'sep'}, ': '), h('span', {class: 'op-name'}, r.name)),
        h('td', {class: ['num', r.errorA ? 'error-text' : '']}, r.a ? spanLink(a, r.a, fmt.duration(r.durationA)) : '–'),
        h('td', {class: ['num', r.errorB ? 'error-text' : '']}, r.b ? spanLink(b, r.b, fmt.duration(r.durationB)) : '–'),
        h('td', {class: 'num delta'}, delta === null ? '' : (delta > 0 ? '+' : '') + fmt.duration(delta)),
        h('td', null, h('span', {class: ['badge', r.change]}, LABELS[r.change])));
    }));
  };
  onlyDiff.addEventListener('change', fill);
  fill();
  const summary = (label, t, id) => h('div', {class: 'cmp-summary'},
    h('h2', null, label + ' ', h('a', {href: '/trace/' + encodeURIComponent(id)}, h('code', null, id))),
    h('div', null, (t.root ? t.root.service + ': ' + t.root.name : '') + ' · ' + fmt.duration(t.duration) + ' · ' +
      t.spans.length + ' spans · ' + t.errorCount + ' errors'));
  replace(out,
    h('div', {class: 'cmp-summaries'}, summary('A', A, a), summary('B', B, b)),
    h('div', {class: 'cmp-counts', id: 'compare-counts'}, Object.entries(counts).map(([k, n]) =>
      h('span', {class: ['badge', k], dataset: {change: k}}, n + ' ' + LABELS[k]))),
    h('label', {class: 'check'}, onlyDiff, ' Only show differences'),
    h('table', {class: 'data compare', id: 'compare-table'},
      h('thead', null, h('tr', null, h('th', null, 'Span'), h('th', {class: 'num'}, 'A'), h('th', {class: 'num'}, 'B'),
        h('th', {class: 'num'}, 'B − A'), h('th', null, 'Change'))),
      tbody));
}

function spanLink(traceId, s, text) {
  return h('a', {href: '/trace/' + encodeURIComponent(traceId) + '?span=' + encodeURIComponent(s.id)}, text);
}
