/* devstore admin frame: the host side of the App Bridge stand-in.
 *
 * The app (in #app-iframe, another origin) talks to this page by postMessage:
 *   {__devstore: "app-bridge", type, id, ...}  ->  {__devstore: "admin", type: "response", id, ok, result | error}
 * Types: idToken, toast.show, toast.hide, loading, navigate, navigate.frame, history, navMenu, titleBar,
 * saveBar.show, saveBar.hide, saveBar.leaveConfirmation, scopes.query, ready.
 * To the app: navigate.app (a nav menu click), saveBar.action (Save/Discard clicked in the top bar),
 * titleBar.action (a title bar button clicked), toast.action, toast.dismiss.
 * Also understood: the legacy `{message: "Shopify.API.remoteRedirect", data: {location}}` (object or JSON string).
 */
(function () {
  "use strict";
  // Loaded in <head>, before the iframe exists, so that no early message from the app is lost:
  // the page's elements are looked up when needed.
  var cfg = JSON.parse(document.getElementById("ds-admin-config").textContent);
  function el(id) { return document.getElementById(id); }
  var iframe = {get contentWindow() { var f = el("app-iframe"); return f ? f.contentWindow : null; }};

  var admin = window.devstoreAdmin = {
    toasts: [],          // every toast shown: {id, message, isError, duration, shownAt, hiddenAt}
    navigations: [],     // every navigation the app asked for
    tokensIssued: 0,
    loading: false,
    saveBar: null,       // the save bar showing: {saveBarId, saveLabel, discardLabel, ...} or null
    frameLoads: 0,       // app pages the iframe opened by navigation (the admin page itself stays)
    messages: []         // the last messages received (for debugging)
  };

  function reply(msg, ok, payload) {
    if (!iframe.contentWindow) return;
    var out = {__devstore: "admin", type: "response", id: msg.id, ok: ok};
    if (ok) out.result = payload; else out.error = String(payload);
    iframe.contentWindow.postMessage(out, cfg.appOrigin || "*");
  }

  function send(type, data) {
    if (!iframe.contentWindow) return;
    var out = Object.assign({__devstore: "admin", type: type}, data || {});
    iframe.contentWindow.postMessage(out, cfg.appOrigin || "*");
  }

  function fetchToken() {
    return fetch(cfg.sessionTokenUrl, {method: "POST", credentials: "same-origin",
                                        headers: {"Accept": "application/json"}})
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok || !body.token) throw new Error(body.error || ("session token: HTTP " + r.status));
          admin.tokensIssued += 1;
          return body;
        });
      });
  }

  // --- toasts ---
  var toastTimers = {};
  function hideToast(id, dismissed) {
    var node = el("ds-toasts").querySelector('[data-toast-id="' + CSS.escape(id) + '"]');
    if (node) node.remove();
    clearTimeout(toastTimers[id]);
    admin.toasts.forEach(function (t) { if (t.id === id && !t.hiddenAt) t.hiddenAt = Date.now(); });
    if (dismissed) send("toast.dismiss", {toastId: id});
  }
  function showToast(msg) {
    var id = msg.toastId || ("toast-" + Date.now());
    var duration = typeof msg.duration === "number" ? msg.duration : 5000;
    var box = document.createElement("div");
    box.className = "ds-toast" + (msg.isError ? " ds-toast--error" : "");
    box.setAttribute("role", "status");
    box.setAttribute("data-toast-id", id);
    box.setAttribute("data-testid", "toast");
    var text = document.createElement("span");
    text.className = "ds-toast-message";
    text.textContent = msg.message;
    box.appendChild(text);
    if (msg.action) {
      var act = document.createElement("button");
      act.className = "ds-toast-action";
      act.textContent = msg.action;
      act.addEventListener("click", function () { send("toast.action", {toastId: id}); hideToast(id, false); });
      box.appendChild(act);
    }
    var close = document.createElement("button");
    close.className = "ds-toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () { hideToast(id, true); });
    box.appendChild(close);
    el("ds-toasts").appendChild(box);
    admin.toasts.push({id: id, message: msg.message, isError: !!msg.isError, duration: duration,
                       shownAt: Date.now(), hiddenAt: null});
    toastTimers[id] = setTimeout(function () { hideToast(id, false); }, Math.max(duration, 0));
    return id;
  }

  function setLoading(on) {
    admin.loading = !!on;
    el("ds-loading").setAttribute("data-loading", on ? "true" : "false");
    el("ds-loading-bar").hidden = !on;
  }

  // --- navigation ---
  function resolveAdminUrl(url) {
    // shopify://admin/products/1 and /admin/... (relative to the shop's admin)
    if (/^shopify:\/*admin/i.test(url)) return cfg.adminPath.replace(/\/$/, "") + url.replace(/^shopify:\/*admin/i, "");
    if (/^app:/i.test(url)) return cfg.appPagePath + url.replace(/^app:\/*/i, "/");
    return url;
  }
  function navigate(url, target) {
    var resolved = resolveAdminUrl(String(url));
    admin.navigations.push({url: String(url), resolved: resolved, target: target || "_top", at: Date.now()});
    if (target === "_blank") { window.open(resolved, "_blank", "noopener"); return; }
    window.location.assign(resolved);
  }

  // --- leaving with unsaved changes: the save bar asks first, as Shopify admin does ---
  function confirmLeave() {
    if (!admin.saveBar) return Promise.resolve(true);
    var dialog = el("ds-leave-dialog");
    return new Promise(function (resolve) {
      function done(ok) {
        el("ds-leave-confirm").removeEventListener("click", yes);
        el("ds-leave-cancel").removeEventListener("click", no);
        dialog.removeEventListener("cancel", no);
        dialog.close();
        if (ok) hideSaveBar();
        resolve(ok);
      }
      function yes() { done(true); }
      function no(e) { if (e && e.preventDefault) e.preventDefault(); done(false); }
      el("ds-leave-confirm").addEventListener("click", yes);
      el("ds-leave-cancel").addEventListener("click", no);
      dialog.addEventListener("cancel", no);
      dialog.showModal();
    });
  }

  function appPath(href) { return href && href.charAt(0) === "/" ? href : "/" + (href || ""); }
  function markActive(path) {
    var bare = (path || "/").split(/[?#]/)[0];
    Array.prototype.forEach.call(el("ds-app-nav").querySelectorAll("a"), function (a) {
      var on = a.getAttribute("data-app-href") === bare;
      a.classList.toggle("active", on);
      if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
  }
  function goToAppPage(href) {
    confirmLeave().then(function (ok) { if (ok) send("navigate.app", {href: href}); });
  }
  // The app's page opens in the iframe with a fresh launch URL; the admin page stays.
  function openInFrame(href, fromHistory) {
    var path = appPath(href);
    var hashAt = path.indexOf("#");
    var hash = hashAt >= 0 ? path.slice(hashAt) : "";
    var bare = hashAt >= 0 ? path.slice(0, hashAt) : path;
    return fetch(cfg.launchUrl + "?path=" + encodeURIComponent(bare.split("?")[0].replace(/^\//, "")),
                 {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (!body.url) throw new Error(body.error || "no launch URL");
        var query = bare.indexOf("?") >= 0 ? "&" + bare.split("?")[1] : "";
        admin.frameLoads += 1;
        el("app-iframe").src = body.url + query + hash;
        if (!fromHistory) {
          try { history.pushState({appPath: bare}, "", cfg.appPagePath + (bare === "/" ? "" : bare)); } catch (e) { /* */ }
        }
        markActive(bare);
      });
  }

  function renderNav(items) {
    var navEl = el("ds-app-nav");
    navEl.innerHTML = "";
    (items || []).forEach(function (it) {
      if (it.rel === "home") { admin.homeHref = it.href; return; }
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.textContent = it.label || it.href;
      a.href = cfg.appPagePath + appPath(it.href);
      a.setAttribute("data-app-href", appPath(it.href).split(/[?#]/)[0]);
      a.addEventListener("click", function (e) { e.preventDefault(); goToAppPage(it.href); });
      li.appendChild(a);
      navEl.appendChild(li);
    });
    markActive(admin.path || "/");
  }

  // --- the save bar, in the top bar ---
  function showSaveBar(msg) {
    admin.saveBar = {saveBarId: msg.saveBarId, saveLabel: msg.saveLabel, discardLabel: msg.discardLabel,
                     discardConfirmation: !!msg.discardConfirmation};
    el("ds-save-bar-save").textContent = msg.saveLabel || "Save";
    el("ds-save-bar-discard").textContent = msg.discardLabel || "Discard";
    el("ds-save-bar-save").disabled = !!msg.saveDisabled;
    el("ds-save-bar-discard").disabled = !!msg.discardDisabled;
    el("ds-save-bar").hidden = false;
    document.body.classList.add("ds-unsaved");
  }
  function hideSaveBar() {
    admin.saveBar = null;
    el("ds-save-bar").hidden = true;
    document.body.classList.remove("ds-unsaved");
  }
  function saveBarClick(action) {
    if (!admin.saveBar) return;
    var id = admin.saveBar.saveBarId;
    if (action === "discard" && admin.saveBar.discardConfirmation &&
        !window.confirm("Discard all unsaved changes?")) return;
    send("saveBar.action", {saveBarId: id, action: action});
  }

  // --- the title bar's buttons ---
  function renderTitleButtons(buttons) {
    var box = el("ds-title-actions");
    if (!box) return;
    box.innerHTML = "";
    (buttons || []).forEach(function (b, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ds-btn" + (b.primary ? " ds-btn--primary" : "") + (b.critical ? " ds-btn--critical" : "");
      button.textContent = b.label;
      if (b.ariaLabel) button.setAttribute("aria-label", b.ariaLabel);
      button.disabled = !!b.disabled;
      button.setAttribute("data-testid", "title-bar-action");
      button.addEventListener("click", function () { send("titleBar.action", {index: i}); });
      box.appendChild(button);
    });
  }

  // Back and forward move the app between the pages it was shown, as Shopify admin does.
  window.addEventListener("popstate", function () {
    var rest = window.location.pathname.slice(cfg.appPagePath.length) || "/";
    confirmLeave().then(function (ok) { if (ok) openInFrame(rest + window.location.search, true); });
  });

  document.addEventListener("DOMContentLoaded", function () {
    el("ds-save-bar-save").addEventListener("click", function () { saveBarClick("save"); });
    el("ds-save-bar-discard").addEventListener("click", function () { saveBarClick("discard"); });
    // The app's name opens its home page; the admin's own links ask first too.
    var home = el("ds-app-link");
    if (home) home.addEventListener("click", function (e) { e.preventDefault(); goToAppPage(admin.homeHref || "/"); });
    document.querySelectorAll(".ds-nav a:not([data-app-href]), .ds-logo").forEach(function (a) {
      if (a.id === "ds-app-link") return;
      a.addEventListener("click", function (e) {
        if (!admin.saveBar) return;
        e.preventDefault();
        var target = a.href;
        confirmLeave().then(function (ok) { if (ok) window.location.assign(target); });
      });
    });
  });

  function handle(msg) {
    switch (msg.type) {
      case "ready":
        return reply(msg, true, {shop: cfg.shop});
      case "idToken":
        return fetchToken().then(function (b) { reply(msg, true, b.token); },
                                 function (e) { reply(msg, false, e.message); });
      case "scopes.query":
        return fetchToken().then(function (b) { reply(msg, true, {granted: b.scopes || [], required: [], optional: []}); },
                                 function (e) { reply(msg, false, e.message); });
      case "toast.show":
        return reply(msg, true, showToast(msg));
      case "toast.hide":
        hideToast(msg.toastId, false);
        return reply(msg, true, null);
      case "loading":
        setLoading(msg.on);
        return reply(msg, true, null);
      case "navigate":
        reply(msg, true, null);
        return navigate(msg.url, msg.target);
      case "history":
        // keep the admin URL in step with the app's path, as Shopify admin does
        try {
          var path = msg.path && msg.path !== "/" ? msg.path : "";
          admin.path = msg.path || "/";
          history.replaceState(null, "", cfg.appPagePath + path);
          markActive(admin.path);
        } catch (e) { /* ignore */ }
        return;
      case "navigate.frame":
        return openInFrame(msg.href).catch(function (e) { showToast({message: "Could not open the page: " + e.message, isError: true}); });
      case "navMenu":
        return renderNav(msg.items);
      case "titleBar":
        el("ds-title-bar").textContent = msg.title || "";
        if (msg.title) document.title = msg.title + " · devstore admin";
        renderTitleButtons(msg.buttons);
        return;
      case "saveBar.show":
        return showSaveBar(msg);
      case "saveBar.hide":
        return hideSaveBar();
      case "saveBar.leaveConfirmation":
        return confirmLeave().then(function (ok) { if (ok) reply(msg, true, null); });
      default:
        if (msg.id) reply(msg, false, "devstore does not implement " + msg.type);
    }
  }

  window.addEventListener("message", function (e) {
    if (e.source !== iframe.contentWindow) return;
    if (cfg.appOrigin && e.origin !== cfg.appOrigin) return;
    var data = e.data;
    if (typeof data === "string") {
      try { data = JSON.parse(data); } catch (err) { return; }
    }
    if (!data || typeof data !== "object") return;
    admin.messages.push(data);
    if (admin.messages.length > 200) admin.messages.shift();
    if (data.message === "Shopify.API.remoteRedirect" && data.data && data.data.location) {
      return navigate(data.data.location, "_top");
    }
    if (data.__devstore === "app-bridge") handle(data);
  });
})();
