/* The map's service worker: keeps the app shell, the last catalogue and the last status feed, so a
   resident who loaded the map once still sees it (with how old the status is) when the network fails.
   Rendered by frontend.views.service_worker with the current static URLs; a deploy renames the cache. */

const CACHE = {{ cache_name_json|safe }};
const SHELL = {{ shell_json|safe }};
// Answers the network gives first and the cache only when it fails: the page, the catalogue, the feed.
const NETWORK_FIRST = {{ network_first_json|safe }};
const STATUS_FEED = {{ status_feed_json|safe }};
const MAX_TILES = 400;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

/** A copy of `response` marked with when it was fetched, so the page can say how old it is. */
async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set("X-Fetched-At", new Date().toISOString());
  return new Response(await response.clone().blob(), { status: response.status, headers });
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, await stamped(response));
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (!cached) throw error;
    const headers = new Headers(cached.headers);
    headers.set("X-Offline-Copy", "1");
    return new Response(await cached.blob(), { status: cached.status, headers });
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    await cache.put(request, response.clone());
    if (new URL(request.url).pathname.startsWith("/tiles/")) trimTiles(cache);
  }
  return response;
}

async function trimTiles(cache) {
  const tiles = (await cache.keys()).filter((r) => new URL(r.url).pathname.startsWith("/tiles/"));
  for (const old of tiles.slice(0, Math.max(0, tiles.length - MAX_TILES))) await cache.delete(old);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  // Only this site's GETs; the base map and everything else go to the network untouched.
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (NETWORK_FIRST.includes(url.pathname)) event.respondWith(networkFirst(request, url.pathname));
    return;
  }
  if (url.pathname === STATUS_FEED || NETWORK_FIRST.includes(url.pathname)) {
    // The feed's ETag revalidation would get a 304 the cache cannot use: ask for the whole answer.
    const fresh = url.pathname === STATUS_FEED ? new Request(request, { cache: "no-store" }) : request;
    event.respondWith(networkFirst(fresh, url.pathname + url.search));
    return;
  }
  // Static files have hashed names in production and tiles carry their layer's version: both immutable.
  if (url.pathname.startsWith("/static/") || (url.pathname.startsWith("/tiles/") && url.searchParams.has("v"))) {
    event.respondWith(cacheFirst(request));
  }
});
