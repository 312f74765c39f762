// The dashboard's service worker: it keeps the shell (page, scripts, styles, chart library, manifest, icons) and the
// last operations data, so an installed dashboard opens without a network and shows what it last saw. Network
// first: a reachable platform always answers, the cache only stands in when it is not (then `x-hcp-saved-at` says
// when the answer was fetched). Customer routes (API-key data of a tenant) are never stored.
const CACHE = 'hcp-dashboard-v1';
const SHELL = [
  '/',
  '/dashboard/styles.css',
  '/dashboard/dom.js',
  '/dashboard/charts.js',
  '/dashboard/history.js',
  '/dashboard/app.js',
  '/dashboard/kpis.js',
  '/dashboard/customer.js',
  '/vendor/uplot.js',
  '/vendor/uplot.css',
  '/manifest.webmanifest',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
];
/** Data worth showing offline: the observer's state, the platform's info, the history and KPI answers. */
const DATA = [/^\/local\/(state|info)$/, /^\/v1\/sites\/[^/]+\/telemetry$/, /^\/v1\/fleet\/kpis$/];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

/** A copy of the response marked with when it was fetched, for the cache. */
async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set('x-hcp-saved-at', new Date().toISOString());
  return new Response(await response.clone().blob(), { status: response.status, headers });
}

/** The network's answer (kept for later when it is shell or data), else the kept one marked as such. */
async function networkFirst(request, keep) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (keep && response.ok) {
      // The shell is kept as served; data carries its fetch time, which the page shows when it comes from here.
      await cache.put(
        request,
        response.type === 'basic' && keep === 'data' ? await stamped(response) : response.clone(),
      );
    }
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreSearch: keep === 'shell' });
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  const path = url.pathname;
  const keep = SHELL.includes(path) ? 'shell' : DATA.some((p) => p.test(path)) ? 'data' : undefined;
  if (!keep) return;
  event.respondWith(networkFirst(event.request, keep));
});
