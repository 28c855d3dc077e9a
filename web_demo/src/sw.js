/**
 * The service worker: keeps the page, its runtime and the model in a cache on the first visit,
 * so that the page works offline afterwards, and adds the cross-origin isolation headers to what
 * it serves, so that the runtime's threads work even where the server does not send them.
 * `edgeseg web build` stamps the build's version below; a new build replaces the old cache.
 */
const VERSION = '__EDGESEG_BUILD_VERSION__';
const CACHE = `edgeseg-page-${VERSION}`;
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
// Files marked "optional" in build.json (runtime builds for browsers without threads or relaxed
// SIMD) are cached when first used instead of on install, to keep the first visit small.
self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const response = await fetch('build.json', { cache: 'no-cache' });
    const build = await response.clone().json();
    const cache = await caches.open(CACHE);
    await cache.put('build.json', response);
    await cache.addAll(['./', ...build.files.filter((file) => !file.optional).map((file) => file.path)]);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('edgeseg-page-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function isolated(response) {
  if (response.type === 'opaque' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const key = request.mode === 'navigate' ? './' : request;
    const cached = await cache.match(key, { ignoreSearch: request.mode === 'navigate' });
    if (cached) return isolated(cached);
    const response = await fetch(request);
    if (response.ok && request.mode !== 'navigate') await cache.put(request, response.clone());
    return isolated(response);
  })());
});
