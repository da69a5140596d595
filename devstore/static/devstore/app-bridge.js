/* devstore's App Bridge stand-in, served at /cdn/shopifycloud/app-bridge.js.
 *
 * Load it the way Shopify's is loaded, first in <head>:
 *   <script src="http://127.0.0.1:PORT/cdn/shopifycloud/app-bridge.js" data-api-key="API_KEY"></script>
 * (or <meta name="shopify-api-key" content="API_KEY">). It defines `window.shopify`, mirroring App Bridge v4:
 *   shopify.config        {apiKey, shop, host, locale, appOrigins, disabledFeatures}
 *   shopify.idToken()     Promise<string>: a fresh session token, minted by the devstore admin on every call
 *   shopify.toast.show(message, {duration, isError, action, onAction, onDismiss}) -> id;  shopify.toast.hide(id)
 *   shopify.loading(true|false)
 *   shopify.environment   {embedded, mobile, pos};  shopify.origin;  shopify.ready (Promise)
 *   shopify.scopes.query(), shopify.user(), shopify.saveBar / shopify.modal (no-op stubs)
 * and, like App Bridge v4:
 *   - fetch() to the app's own origin (relative or same-origin URLs, plus config.appOrigins) gets
 *     `Authorization: Bearer <fresh session token>`; a 401 carrying
 *     `X-Shopify-Retry-Invalid-Session-Request: 1` is retried once with a new token
 *     (`<meta name="shopify-disabled-features" content="fetch">` turns this off);
 *   - window.open(url, "_top"), <a target="_top"> and `shopify://admin/...` URLs navigate the admin frame
 *     (the way an embedded app leaves the iframe, e.g. for OAuth);
 *   - <ui-nav-menu>/<s-app-nav> links show in the admin's left menu, <ui-title-bar title> in its header;
 *   - the admin URL follows the app's path (history.pushState/replaceState);
 *   - loaded outside the admin with ?shop&host, it redirects into the admin, as App Bridge does
 *     (data-force-redirect="false" on the script tag turns this off).
 * It talks to the devstore admin frame by postMessage; see devstore/static/devstore/admin.js.
 */
(function () {
  "use strict";
  if (window.shopify && window.shopify.__devstore) return;

  var script = document.currentScript;
  var EMBED_PARAMS = ["embedded", "hmac", "host", "id_token", "locale", "session", "shop", "timestamp"];

  function attr(name) { return script ? script.getAttribute(name) : null; }
  function meta(name) {
    var m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute("content") : null;
  }
  function list(s) { return (s || "").split(",").map(function (x) { return x.trim(); }).filter(Boolean); }
  var storage = null;
  try { storage = window.sessionStorage; } catch (e) { storage = null; }
  function recall(k) { try { return storage ? storage.getItem("devstore-app-bridge:" + k) : null; } catch (e) { return null; } }
  function remember(k, v) { try { if (storage && v) storage.setItem("devstore-app-bridge:" + k, v); } catch (e) { /* */ } }
  function decodeHost(h) {
    if (!h) return null;
    try {
      var s = h.replace(/-/g, "+").replace(/_/g, "/");
      while (s.length % 4) s += "=";
      return atob(s);
    } catch (e) { return null; }
  }
  function schemeFor(hostname) {
    return /^(localhost|127\.|\[::1\]|0\.0\.0\.0)/.test(hostname) ? "http://" : "https://";
  }

  var params = new URLSearchParams(window.location.search);
  var apiKey = attr("data-api-key") || meta("shopify-api-key") || "";
  var shop = params.get("shop") || recall("shop");
  var host = params.get("host") || recall("host");
  var locale = params.get("locale") || recall("locale") || (navigator.language || "en").split("-")[0];
  remember("shop", shop); remember("host", host); remember("locale", locale);
  var disabledFeatures = list(meta("shopify-disabled-features") || attr("data-disabled-features"));
  var appOrigins = list(meta("shopify-app-origins") || attr("data-app-origins")).map(function (o) {
    try { return new URL(o.indexOf("://") < 0 ? "https://" + o : o).origin; } catch (e) { return null; }
  }).filter(Boolean);
  var embedded = window.top !== window.self;
  var decodedHost = decodeHost(host);           // 127.0.0.1:PORT/<shop>/admin
  var adminBase = decodedHost ? schemeFor(decodedHost) + decodedHost.replace(/\/$/, "") : null;

  // The admin frame's origin: our parent. Used as postMessage target and to check answers.
  var hostOrigin = null;
  try {
    if (embedded && window.location.ancestorOrigins && window.location.ancestorOrigins.length) {
      hostOrigin = window.location.ancestorOrigins[0];
    }
  } catch (e) { /* */ }
  if (!hostOrigin && adminBase) { try { hostOrigin = new URL(adminBase).origin; } catch (e) { /* */ } }
  if (!hostOrigin && script && script.src) { try { hostOrigin = new URL(script.src).origin; } catch (e) { /* */ } }
  var targetOrigin = hostOrigin || "*";

  // Outside the admin: go into it, as App Bridge does.
  if (!embedded && adminBase && apiKey && shop && attr("data-force-redirect") !== "false" &&
      meta("shopify-force-redirect") !== "false") {
    var keep = new URLSearchParams(window.location.search);
    EMBED_PARAMS.forEach(function (k) { keep.delete(k); });
    var rest = keep.toString();
    var path = window.location.pathname === "/" ? "" : window.location.pathname;
    window.location.replace(adminBase + "/apps/" + encodeURIComponent(apiKey) + path + (rest ? "?" + rest : ""));
  }

  // --- messaging with the admin frame ---
  var seq = 0;
  var pending = {};
  var toastHandlers = {};

  function post(type, data) {
    if (!embedded) return false;
    var msg = {__devstore: "app-bridge", type: type};
    for (var k in data || {}) msg[k] = data[k];
    window.parent.postMessage(msg, targetOrigin);
    return true;
  }

  function call(type, data, timeoutMs) {
    return new Promise(function (resolve, reject) {
      if (!embedded) {
        reject(new Error("App Bridge (devstore): " + type + " needs the app embedded in the devstore admin"));
        return;
      }
      var id = "ab-" + (++seq) + "-" + Date.now();
      var timer = setTimeout(function () {
        delete pending[id];
        reject(new Error("App Bridge (devstore): no answer from the admin to " + type));
      }, timeoutMs || 10000);
      pending[id] = {resolve: resolve, reject: reject, timer: timer};
      var msg = {id: id};
      for (var k in data || {}) msg[k] = data[k];
      post(type, msg);
    });
  }

  window.addEventListener("message", function (e) {
    if (e.source !== window.parent) return;
    if (targetOrigin !== "*" && e.origin !== targetOrigin) return;
    var d = e.data;
    if (!d || d.__devstore !== "admin") return;
    if (d.type === "response") {
      var p = pending[d.id];
      if (!p) return;
      delete pending[d.id];
      clearTimeout(p.timer);
      if (d.ok) p.resolve(d.result); else p.reject(new Error(d.error || "App Bridge (devstore) error"));
    } else if (d.type === "toast.action" || d.type === "toast.dismiss") {
      var h = toastHandlers[d.toastId] || {};
      var fn = d.type === "toast.action" ? h.onAction : h.onDismiss;
      if (typeof fn === "function") { try { fn(); } catch (err) { console.error(err); } }
    } else if (d.type === "navigate.app") {
      var ev = new CustomEvent("shopify:navigate", {detail: {href: d.href}, cancelable: true});
      if (document.dispatchEvent(ev)) window.location.assign(new URL(d.href, window.location.href).href);
    }
  });

  // --- the shopify global ---
  function idToken() { return call("idToken"); }

  var toastSeq = 0;
  var toast = {
    show: function (message, opts) {
      opts = opts || {};
      var id = "toast-" + (++toastSeq) + "-" + Math.random().toString(36).slice(2, 8);
      toastHandlers[id] = opts;
      post("toast.show", {toastId: id, message: String(message),
                          duration: typeof opts.duration === "number" ? opts.duration : 5000,
                          isError: !!opts.isError, action: opts.action || null});
      return id;
    },
    hide: function (id) { post("toast.hide", {toastId: id}); }
  };

  var isLoading = false;
  function loading(on) {
    isLoading = on === undefined ? true : !!on;
    post("loading", {on: isLoading});
  }

  var resolved = Promise.resolve();
  var shopify = {
    __devstore: true,
    version: "devstore",
    config: {apiKey: apiKey, shop: shop, host: host, locale: locale, appOrigins: appOrigins,
             disabledFeatures: disabledFeatures},
    environment: {embedded: embedded, mobile: false, pos: false},
    origin: hostOrigin,
    ready: resolved,
    idToken: idToken,
    toast: toast,
    loading: loading,
    scopes: {
      query: function () { return call("scopes.query"); },
      request: function () { return Promise.reject(new Error("App Bridge (devstore): scopes.request is not supported; update the toml's scopes")); },
      revoke: function () { return Promise.reject(new Error("App Bridge (devstore): scopes.revoke is not supported")); }
    },
    user: function () { return Promise.resolve({accountAccess: "Account owner"}); },
    saveBar: {show: function () { return resolved; }, hide: function () { return resolved; },
              toggle: function () { return resolved; }, leaveConfirmation: function () { return resolved; }},
    modal: {show: function () { return resolved; }, hide: function () { return resolved; },
            toggle: function () { return resolved; }},
    resourcePicker: function () { return Promise.reject(new Error("App Bridge (devstore): resourcePicker is not available")); }
  };
  Object.defineProperty(window, "shopify", {value: shopify, writable: false, configurable: true});

  // --- authenticated fetch ---
  function isAppUrl(u) {
    try {
      var url = new URL(u, window.location.href);
      return url.origin === window.location.origin || appOrigins.indexOf(url.origin) >= 0;
    } catch (e) { return false; }
  }

  if (disabledFeatures.indexOf("fetch") < 0 && typeof window.fetch === "function") {
    var originalFetch = window.fetch;
    window.fetch = function (input, init) {
      var url = (typeof Request !== "undefined" && input instanceof Request) ? input.url : String(input);
      if (!embedded || !isAppUrl(url)) return originalFetch.call(window, input, init);
      var isRequest = typeof Request !== "undefined" && input instanceof Request;
      var spare = isRequest ? input.clone() : null;
      function attempt(req, token) {
        var headers = new Headers((init && init.headers) || (isRequest ? req.headers : undefined));
        if (!headers.has("Authorization")) headers.set("Authorization", "Bearer " + token);
        var opts = {};
        for (var k in init || {}) opts[k] = init[k];
        opts.headers = headers;
        return isRequest ? originalFetch.call(window, new Request(req, opts)) : originalFetch.call(window, req, opts);
      }
      return idToken().then(function (token) {
        return attempt(input, token).then(function (resp) {
          if (resp.status === 401 && resp.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1") {
            return idToken().then(function (t2) { return attempt(isRequest ? spare : input, t2); });
          }
          return resp;
        });
      });
    };
  }

  // --- leaving the iframe ---
  function absolute(u) {
    try { return /^shopify:/i.test(String(u)) ? String(u) : new URL(u, window.location.href).href; }
    catch (e) { return String(u); }
  }
  var originalOpen = window.open;
  window.open = function (url, target, features) {
    var t = String(target || "").toLowerCase();
    if (embedded && url != null && (t === "_top" || t === "_parent" || /^shopify:/i.test(String(url)))) {
      post("navigate", {url: absolute(url), target: t === "_blank" ? "_blank" : "_top"});
      return null;
    }
    return originalOpen.apply(window, arguments);
  };
  document.addEventListener("click", function (e) {
    if (!embedded || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    var a = e.target && e.target.closest ? e.target.closest("a[href]") : null;
    if (!a) return;
    var t = (a.getAttribute("target") || "").toLowerCase();
    var href = a.getAttribute("href");
    if (t === "_top" || t === "_parent" || /^shopify:/i.test(href)) {
      e.preventDefault();
      post("navigate", {url: absolute(href), target: "_top"});
    }
  }, true);

  // --- admin URL follows the app's path ---
  function appPath() {
    var q = new URLSearchParams(window.location.search);
    EMBED_PARAMS.forEach(function (k) { q.delete(k); });
    var s = q.toString();
    return window.location.pathname + (s ? "?" + s : "");
  }
  ["pushState", "replaceState"].forEach(function (name) {
    var orig = history[name];
    history[name] = function () {
      var r = orig.apply(history, arguments);
      post("history", {path: appPath()});
      return r;
    };
  });
  window.addEventListener("popstate", function () { post("history", {path: appPath()}); });

  // --- <ui-nav-menu>, <s-app-nav>, <ui-title-bar> ---
  var style = document.createElement("style");
  style.textContent = "ui-nav-menu,s-app-nav,ui-title-bar,ui-save-bar{display:none!important}";
  (document.head || document.documentElement).appendChild(style);
  ["ui-nav-menu", "s-app-nav", "ui-title-bar", "ui-save-bar"].forEach(function (name) {
    if (window.customElements && !customElements.get(name)) {
      customElements.define(name, class extends HTMLElement {});
    }
  });
  var lastNav = null;
  var lastTitle = null;
  function scan() {
    var items = [];
    document.querySelectorAll("ui-nav-menu a, s-app-nav a, s-app-nav s-link").forEach(function (a) {
      items.push({label: (a.textContent || "").trim(), href: a.getAttribute("href"), rel: a.getAttribute("rel")});
    });
    var navJson = JSON.stringify(items);
    if (navJson !== lastNav) { lastNav = navJson; post("navMenu", {items: items}); }
    var tb = document.querySelector("ui-title-bar");
    var title = tb ? (tb.getAttribute("title") || "") : "";
    if (title !== lastTitle) { lastTitle = title; post("titleBar", {title: title}); }
  }
  function start() {
    scan();
    post("history", {path: appPath()});
    if (window.MutationObserver) {
      var scheduled = false;
      new MutationObserver(function () {
        if (scheduled) return;
        scheduled = true;
        setTimeout(function () { scheduled = false; scan(); }, 30);
      }).observe(document.documentElement,
                                         {subtree: true, childList: true, attributes: true, attributeFilter: ["title", "href"]});
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
