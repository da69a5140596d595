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
 *   shopify.scopes.query(), shopify.user(), shopify.modal (no-op stub)
 *   shopify.saveBar.show(id) / hide(id) / toggle(id) / leaveConfirmation(): the <ui-save-bar id> shows in the
 *     admin's top bar with its Save (variant="primary") and Discard buttons; clicking them there clicks the
 *     element's buttons here. A <form data-save-bar> shows it by itself on its first edit (Save submits the
 *     form, Discard resets it). leaveConfirmation() resolves at once when no save bar shows, else when the
 *     merchant confirms leaving in the admin. <ui-save-bar> elements have show()/hide()/toggle()/showing.
 * and, like App Bridge v4:
 *   - fetch() to the app's own origin (relative or same-origin URLs, plus config.appOrigins) gets
 *     `Authorization: Bearer <fresh session token>`; a 401 carrying
 *     `X-Shopify-Retry-Invalid-Session-Request: 1` is retried once with a new token
 *     (`<meta name="shopify-disabled-features" content="fetch">` turns this off);
 *   - window.open(url, "_top"), <a target="_top"> and `shopify://admin/...` URLs navigate the admin frame
 *     (the way an embedded app leaves the iframe, e.g. for OAuth);
 *   - <ui-nav-menu>/<s-app-nav> links show in the admin's left menu (the first, rel="home", is the app's
 *     name); clicking one (after the leave confirmation, when a save bar shows) fires `shopify:navigate`
 *     here and, unless cancelled, the admin opens that path in the iframe as Shopify does (a fresh launch
 *     URL: id_token, hmac...), the admin page around it staying; a click on a link of the app's own origin
 *     (no target) navigates the same way;
 *   - <ui-title-bar title> in its header, with its <button>s (variant="primary" first), which click the
 *     app's buttons;
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
      if (document.dispatchEvent(ev)) { leaving = true; post("navigate.frame", {href: d.href}); }
    } else if (d.type === "saveBar.action") {
      saveBarAction(d.saveBarId, d.action);
    } else if (d.type === "titleBar.action") {
      var buttons = titleBarButtons();
      if (buttons[d.index] && !buttons[d.index].disabled) buttons[d.index].click();
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

  // --- the save bar ---
  var visibleBars = {};   // id -> true while shown in the admin
  var leaving = false;    // set once the merchant agreed to leave: no beforeunload prompt then
  function barElement(id) {
    var node = id ? document.getElementById(id) : null;
    return node && node.tagName && node.tagName.toLowerCase() === "ui-save-bar" ? node : null;
  }
  function barButtons(id) {
    var node = barElement(id);
    var found = {save: null, discard: null};
    if (!node) return found;
    Array.prototype.forEach.call(node.querySelectorAll("button"), function (b) {
      if (b.getAttribute("variant") === "primary") found.save = found.save || b;
      else found.discard = found.discard || b;
    });
    return found;
  }
  function showSaveBar(id) {
    var b = barButtons(id);
    var node = barElement(id);
    visibleBars[id] = true;
    post("saveBar.show", {saveBarId: id,
      saveLabel: b.save ? (b.save.textContent || "").trim() || "Save" : "Save",
      discardLabel: b.discard ? (b.discard.textContent || "").trim() || "Discard" : "Discard",
      saveDisabled: !!(b.save && b.save.disabled), discardDisabled: !!(b.discard && b.discard.disabled),
      discardConfirmation: !!(node && node.hasAttribute("discardConfirmation"))});
    if (node) node.dispatchEvent(new Event("show"));
    return resolved;
  }
  function hideSaveBar(id) {
    if (!visibleBars[id]) return resolved;
    delete visibleBars[id];
    post("saveBar.hide", {saveBarId: id});
    var node = barElement(id);
    if (node) node.dispatchEvent(new Event("hide"));
    return resolved;
  }
  function anyBar() { for (var k in visibleBars) if (visibleBars[k]) return true; return false; }
  function saveBarAction(id, action) {
    if (formBars[id]) {
      var form = formBars[id];
      if (action === "save") { if (form.requestSubmit) form.requestSubmit(); else form.submit(); }
      else { form.reset(); hideSaveBar(id); }
      return;
    }
    var b = barButtons(id);
    var button = action === "save" ? b.save : b.discard;
    if (button && !button.disabled) button.click();
  }
  function leaveConfirmation() {
    if (!anyBar()) return resolved;
    return call("saveBar.leaveConfirmation", {}, 24 * 3600 * 1000).then(function () {
      leaving = true;
      Object.keys(visibleBars).forEach(function (id) { delete visibleBars[id]; });
    });
  }
  // <form data-save-bar>: shown on the first edit; submit hides it (the app saves), reset too.
  var formBars = {};
  var formSeq = 0;
  function formId(form) {
    if (!form.__dsSaveBarId) { form.__dsSaveBarId = "ds-form-save-bar-" + (++formSeq); formBars[form.__dsSaveBarId] = form; }
    return form.__dsSaveBarId;
  }
  ["input", "change"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var form = e.target && e.target.closest ? e.target.closest("form[data-save-bar]") : null;
      if (form) showSaveBar(formId(form));
    }, true);
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form && form.hasAttribute && form.hasAttribute("data-save-bar")) hideSaveBar(formId(form));
  }, true);
  document.addEventListener("reset", function (e) {
    var form = e.target;
    if (form && form.hasAttribute && form.hasAttribute("data-save-bar")) hideSaveBar(formId(form));
  }, true);

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
    saveBar: {show: function (id) { return showSaveBar(id); }, hide: function (id) { return hideSaveBar(id); },
              toggle: function (id) { return visibleBars[id] ? hideSaveBar(id) : showSaveBar(id); },
              leaveConfirmation: function () { return leaveConfirmation(); }},
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
      return;
    }
    // A page of the app: opened by the admin (a fresh launch URL), after the leave confirmation.
    if (!t && !a.hasAttribute("download") && href && href.charAt(0) !== "#") {
      var url;
      try { url = new URL(href, window.location.href); } catch (err) { return; }
      if (url.origin !== window.location.origin || !/^https?:$/.test(url.protocol)) return;
      e.preventDefault();
      leaveConfirmation().then(function () {
        leaving = true;
        post("navigate.frame", {href: url.pathname + url.search + url.hash});
      });
    }
  }, false);

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
  ["ui-nav-menu", "s-app-nav", "ui-title-bar"].forEach(function (name) {
    if (window.customElements && !customElements.get(name)) {
      customElements.define(name, class extends HTMLElement {});
    }
  });
  if (window.customElements && !customElements.get("ui-save-bar")) {
    customElements.define("ui-save-bar", class extends HTMLElement {
      show() { return showSaveBar(this.id); }
      hide() { return hideSaveBar(this.id); }
      toggle() { return visibleBars[this.id] ? hideSaveBar(this.id) : showSaveBar(this.id); }
      get showing() { return !!visibleBars[this.id]; }
      get discardConfirmation() { return this.hasAttribute("discardConfirmation"); }
      set discardConfirmation(v) { if (v) this.setAttribute("discardConfirmation", ""); else this.removeAttribute("discardConfirmation"); }
    });
  }
  // Closing the tab or reloading with a save bar showing asks first (the browser's own prompt).
  window.addEventListener("beforeunload", function (e) {
    if (anyBar() && !leaving) { e.preventDefault(); e.returnValue = ""; }
  });
  var lastNav = null;
  var lastTitle = null;
  function titleBarButtons() {
    var tb = document.querySelector("ui-title-bar");
    return tb ? Array.prototype.slice.call(tb.querySelectorAll("button")) : [];
  }
  function scan() {
    var items = [];
    document.querySelectorAll("ui-nav-menu a, s-app-nav a, s-app-nav s-link").forEach(function (a) {
      items.push({label: (a.textContent || "").trim(), href: a.getAttribute("href"), rel: a.getAttribute("rel")});
    });
    var navJson = JSON.stringify(items);
    if (navJson !== lastNav) { lastNav = navJson; post("navMenu", {items: items}); }
    var tb = document.querySelector("ui-title-bar");
    var buttons = titleBarButtons().map(function (b) {
      return {label: (b.textContent || "").trim(), ariaLabel: b.getAttribute("aria-label"),
              primary: b.getAttribute("variant") === "primary", critical: b.getAttribute("tone") === "critical",
              disabled: !!b.disabled};
    });
    var title = JSON.stringify({title: tb ? (tb.getAttribute("title") || "") : "", buttons: buttons});
    if (title !== lastTitle) { lastTitle = title; post("titleBar", JSON.parse(title)); }
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
                                         {subtree: true, childList: true, characterData: true, attributes: true,
                                          attributeFilter: ["title", "href", "disabled", "variant", "aria-label"]});
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
