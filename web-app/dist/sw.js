// Service worker: keeps the app shell and both wasm modules so that the app
// opens and validates with no network. Network first, so a new build is used
// as soon as the server answers; the cache is the fallback. The API is never
// cached here (the app keeps the schemas it needs itself).
const CACHE = "sheetlink-shell-v1";
const SHELL = [
  "/",
  "/index.html",
  "/style.css",
  "/sheetlink-web.js",
  "/sheetlink-web_bg.wasm",
  "/worker.js",
  "/sheetlink-engine-wasm.js",
  "/sheetlink-engine-wasm_bg.wasm",
];

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
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  // Every page of the app is the same shell (client-side routing).
  const key = request.mode === "navigate" ? "/index.html" : url.pathname;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(key, copy));
        }
        return response;
      })
      .catch(() => caches.match(key).then((cached) => cached || Response.error())),
  );
});
