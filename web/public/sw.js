/*
 * Gyoryu service worker: caches ONLY the app shell and static assets.
 *  - hashed assets (/assets/*): cache-first (their names change when their content does);
 *  - navigations (any client route): network-first, falling back to the cached shell, with a
 *    timeout so a slow cross-border link does not leave a blank page;
 *  - /api/ and anything not same-origin: never touched, never cached. All data sync lives in
 *    the page (src/sync/), not here.
 * The build (vite.config.ts) replaces the precache list and version below.
 */
const VERSION = '__BUILD_VERSION__';
const PRECACHE = /*__PRECACHE__*/[];
const SHELL_CACHE = 'gyoryu-shell-' + VERSION;
const ASSET_CACHE = 'gyoryu-assets';
const SHELL_URL = '/';
const NAV_TIMEOUT_MS = 4000;

function isApi(url) {
  return url.pathname.startsWith('/api/') || url.pathname === '/api' || url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/metrics';
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const shell = await caches.open(SHELL_CACHE);
      await shell.add(new Request(SHELL_URL, { cache: 'reload' }));
      const assets = await caches.open(ASSET_CACHE);
      const hashed = PRECACHE.filter((u) => u.startsWith('/assets/'));
      const other = PRECACHE.filter((u) => !u.startsWith('/assets/'));
      await Promise.all([assets.addAll(hashed), shell.addAll(other)]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith('gyoryu-shell-') && key !== SHELL_CACHE) await caches.delete(key);
      }
      // Drop hashed assets no longer part of the current build.
      const keep = new Set(PRECACHE.map((u) => new URL(u, self.location.origin).href));
      const assets = await caches.open(ASSET_CACHE);
      for (const req of await assets.keys()) if (!keep.has(req.url)) await assets.delete(req);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || isApi(url)) return; // network only, uncached

  if (req.mode === 'navigate') {
    event.respondWith(navigation(event));
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(req));
    return;
  }
  event.respondWith(networkFirst(req));
});

async function navigation(event) {
  const cache = await caches.open(SHELL_CACHE);
  const network = fetch(event.request).then(async (res) => {
    const type = res.headers.get('content-type') || '';
    if (res.ok && type.includes('text/html')) await cache.put(SHELL_URL, res.clone());
    return res;
  });
  event.waitUntil(network.catch(() => undefined));
  const cached = await cache.match(SHELL_URL);
  if (!cached) return network;
  // Network first, but do not wait forever on a slow link: fall back to the cached shell.
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), NAV_TIMEOUT_MS));
  try {
    const res = await Promise.race([network, timeout]);
    return res || cached;
  } catch {
    return cached;
  }
}

async function cacheFirst(req) {
  const cache = await caches.open(ASSET_CACHE);
  const hit = await cache.match(req);
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) await cache.put(req, res.clone());
  return res;
}

async function networkFirst(req) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const res = await fetch(req);
    if (res.ok) await cache.put(req, res.clone());
    return res;
  } catch (e) {
    const hit = await cache.match(req);
    if (hit) return hit;
    throw e;
  }
}
