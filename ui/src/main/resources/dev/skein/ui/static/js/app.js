// Client-side routing over the pages the server answers with index.html, the theme toggle, the
// tenant and the find-by-trace-ID box.

import {replace, notice} from './dom.js';
import {tenant, setTenant} from './api.js';

const ROUTES = [
  [/^\/(?:search)?$/, 'search', () => import('./search.js')],
  [/^\/trace\/([^/]+)$/, 'trace', () => import('./trace.js')],
  [/^\/compare$/, 'compare', () => import('./compare.js')],
  [/^\/map$/, 'map', () => import('./map.js')],
  [/^\/services$/, 'services', () => import('./services.js')],
  [/^\/bubbleup$/, 'search', () => import('./bubbleup.js')],
];

const main = document.getElementById('main');
let current = null;

function navigate(url, {replace: replaceState = false} = {}) {
  const u = new URL(url, location.href);
  if (replaceState) history.replaceState(null, '', u.pathname + u.search + u.hash);
  else history.pushState(null, '', u.pathname + u.search + u.hash);
  route();
}

async function route() {
  if (current) {
    current.controller.abort();
    if (typeof current.cleanup === 'function') current.cleanup();
  }
  const controller = new AbortController();
  const me = {controller, cleanup: null};
  current = me;
  main.dataset.ready = 'false';
  delete main.dataset.renderMs;
  const path = location.pathname;
  const found = ROUTES.map(([re, name, load]) => [re.exec(path), name, load]).find(([m]) => m);
  for (const a of document.querySelectorAll('.nav a')) {
    a.classList.toggle('active', !!found && a.dataset.page === found[1]);
  }
  if (!found) {
    replace(main, notice('error', 'No page at ' + path + '.'));
    return;
  }
  const [m, , load] = found;
  try {
    const page = await load();
    if (current !== me) return;
    const ctx = {
      params: new URLSearchParams(location.search),
      signal: controller.signal,
      navigate,
      id: m[1] ? decodeURIComponent(m[1]) : undefined,
    };
    const cleanup = await page.render(main, ctx);
    if (current === me) {
      me.cleanup = cleanup;
      main.dataset.ready = 'true';
    } else if (typeof cleanup === 'function') {
      cleanup();
    }
  } catch (e) {
    if (controller.signal.aborted) return;
    replace(main, notice('error', 'Something went wrong: ' + e.message));
    main.dataset.ready = 'true';
  }
}

document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const u = new URL(a.href, location.href);
  if (u.origin !== location.origin || u.pathname.startsWith('/api/') || u.pathname.startsWith('/static/')) return;
  if (u.pathname === location.pathname && u.search === location.search && u.hash) return;
  e.preventDefault();
  navigate(u.href);
});

window.addEventListener('popstate', route);

document.getElementById('find-trace').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('find-trace-id');
  const id = input.value.trim().replace(/^0x/i, '');
  if (!id) return;
  input.value = '';
  navigate('/trace/' + encodeURIComponent(id));
});

// Tenant: shown once one is chosen, or once the server asked for one.
const tenantForm = document.getElementById('tenant-form');
const tenantInput = document.getElementById('tenant-id');
tenantInput.value = tenant();
tenantForm.hidden = !tenant();
window.addEventListener('skein:tenant-needed', () => {
  tenantForm.hidden = false;
  if (!tenantInput.value) tenantInput.focus();
});
tenantForm.addEventListener('submit', (e) => {
  e.preventDefault();
  setTenant(tenantInput.value);
  tenantInput.value = tenant();
  route();
});

// Theme: the system's unless the user picked one here.
const root = document.documentElement;
const saved = localStorage.getItem('skein.theme');
if (saved === 'dark' || saved === 'light') root.dataset.theme = saved;
document.getElementById('theme-toggle').addEventListener('click', () => {
  const dark = root.dataset.theme ? root.dataset.theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  root.dataset.theme = dark ? 'light' : 'dark';
  localStorage.setItem('skein.theme', root.dataset.theme);
});

route();
