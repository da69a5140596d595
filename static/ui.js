// What every page shares: the shop's time, the save bar, actions with loading and toasts,
// merchant words for runs and errors, menus and tabs usable by keyboard, the orders chart.
(function () {
  "use strict";
  const { el } = window.omsDom;
  const root = () => document.getElementById("page-root");
  const zone = () => (root() && root().dataset.timezone) || "UTC";

  // --- times, in the shop's time zone (GET /api/shop's `timezone`), never the browser's ---
  function when(value) {
    if (!value) return "never";
    const date = new Date(value);
    if (isNaN(date)) return String(value);
    try {
      return new Intl.DateTimeFormat(undefined, { timeZone: zone(), dateStyle: "medium", timeStyle: "short" }).format(date);
    } catch (e) {
      return date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
    }
  }
  function number(n) { return (typeof n === "number" ? n : 0).toLocaleString(); }

  // --- merchant words ---
  const STATUS_WORDS = { succeeded: "Finished", failed: "Failed", skipped: "Skipped", running: "Running",
    queued: "Queued", interrupted: "Interrupted" };
  // Counts a merchant understands; anything else stays out of sight.
  const COUNT_WORDS = {
    products: "products", variants: "variants", products_upserted: "products saved", variants_upserted: "variants saved",
    products_deleted: "products removed", orders: "orders", orders_upserted: "orders saved", orders_new: "new orders",
    orders_updated: "orders changed", orders_unchanged: "orders already up to date", lines: "order lines",
    locations: "locations", levels_pushed: "stock levels pushed", pushed: "stock levels pushed",
    fulfillments: "fulfillments sent", facilities: "facilities", returns: "returns", refunds: "refunds",
  };
  function countWords(counts) {
    return Object.entries(counts || {}).filter(([k, v]) => typeof v === "number" && COUNT_WORDS[k])
      .map(([k, v]) => `${number(v)} ${COUNT_WORDS[k]}`).join(" · ");
  }
  // What went wrong, in words, with the next step: never an exception class or a retry count.
  const ERROR_WORDS = [
    [/needs? re-?auth|token .*(no longer|not) (accepted|work)|invalid api key|401/i,
      "Shopify no longer accepts the app's access. Open the app from Shopify admin to reconnect."],
    [/failed after \d+ attempts|unavailable|timed? ?out|connection|5\d\d/i,
      "Shopify did not answer in time. The app tries again at the next sync; nothing was lost."],
    [/throttl|rate limit|429/i, "Shopify asked the app to slow down. The sync continues at the next run."],
    [/access (level )?is none|access denied|not allowed|does not allow|scope/i,
      "The app's access level does not allow this. Change it on the Overview page."],
    [/interrupted|lease|worker/i, "The sync was interrupted. It resumes from where it stopped within a minute."],
  ];
  // Field names of the JSON API, as words.
  const FIELD_WORDS = { oms_value: "OMS value", shopify_value: "Shopify value", facility_id: "facility",
    interval_minutes: "interval", oms_carrier: "carrier" };
  function errorWords(run) {
    if (!run) return "";
    if (run.error_message) return run.error_message;
    const raw = String(run.error || "");
    if (!raw) return "";
    for (const [pattern, words] of ERROR_WORDS) if (pattern.test(raw)) return words;
    const text = raw.replace(/^[A-Z][A-Za-z]+(Error|Exception|Unavailable|Failed|Denied)?:\s*/, "").split("\n")[0]
      .replace(/^\w+\[\d+\][.:]?\s*/, "")
      .replace(/\b(oms_value|shopify_value|facility_id|interval_minutes|oms_carrier)\b/g, (w) => FIELD_WORDS[w])
      .replace(/\s*\(null for the default\)/g, "");
    return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".");
  }
  function statusWord(status) { return STATUS_WORDS[status] || (status ? status.charAt(0).toUpperCase() + status.slice(1) : ""); }
  // A code as words ("shopify_payments" -> "Shopify payments"), for a value with no label.
  function humanize(code) {
    const text = String(code || "").replace(/[_-]+/g, " ").trim();
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }
  // A Shopify value as the merchant knows it: its label when the API sends one; a code
  // (lower case with underscores, like a payment gateway's) in words otherwise.
  function valueLabel(row) {
    if (!row) return "";
    if (row.label) return row.label;
    const value = String(row.shopify_value || "");
    return /^[a-z0-9]+(_[a-z0-9]+)+$/.test(value) ? humanize(value) : value;
  }

  // --- actions: loading while working, a toast for the result ---
  function loading(on) { if (window.shopify && typeof window.shopify.loading === "function") window.shopify.loading(on); }
  async function act(work, okMessage) {
    loading(true);
    try {
      const result = await work();
      if (okMessage) window.omsApi.toast(typeof okMessage === "function" ? okMessage(result) : okMessage);
      return result;
    } catch (error) {
      window.omsApi.toast(errorWords({ error: error.message }), true);
      throw error;
    } finally {
      loading(false);
    }
  }

  // --- the save bar: one way of saving across the app ---
  // Sections register {dirty(), save(), discard()}; any dirty one shows the bar. Save runs
  // every dirty section's save; Discard every discard. Leaving with edits asks first.
  const sections = [];
  let showing = false;
  const saveBar = {
    register(section) { sections.push(section); },
    dirty() { return sections.some((s) => s.dirty()); },
    async changed() {
      const want = saveBar.dirty();
      if (want === showing) return;
      showing = want;
      document.body.dataset.unsaved = want ? "true" : "false";
      if (window.shopify && window.shopify.saveBar) {
        await (want ? window.shopify.saveBar.show("oms-save-bar") : window.shopify.saveBar.hide("oms-save-bar"));
      }
    },
    async save() {
      const dirty = sections.filter((s) => s.dirty());
      loading(true);
      let failed = null;
      for (const section of dirty) {
        try { await section.save(); } catch (error) { failed = failed || error; }
      }
      loading(false);
      if (failed) window.omsApi.toast(errorWords({ error: failed.message }), true);
      else window.omsApi.toast("Saved");
      await saveBar.changed();
    },
    async discard() {
      sections.filter((s) => s.dirty()).forEach((s) => s.discard());
      await saveBar.changed();
    },
    // Resolves when there is nothing unsaved or the merchant agrees to leave.
    leaveConfirmation() {
      if (!saveBar.dirty()) return Promise.resolve();
      if (window.shopify && window.shopify.saveBar && window.shopify.saveBar.leaveConfirmation) {
        return window.shopify.saveBar.leaveConfirmation();
      }
      return Promise.resolve();
    },
  };
  // Closing the tab with edits asks first: App Bridge does it while the save bar shows.

  // --- overflow menus (menu button pattern: Enter/Space/ArrowDown open, arrows move, Escape closes) ---
  let menuSeq = 0;
  function menu(label, items) {
    const id = `menu-${++menuSeq}`;
    const button = el("button", { type: "button", class: "icon-button", "aria-haspopup": "menu", "aria-expanded": "false",
      "aria-controls": id, "aria-label": label, "data-testid": "row-menu" }, [icon("MenuHorizontalIcon")]);
    const list = el("ul", { role: "menu", id, class: "menu", hidden: true, "aria-label": label });
    const entries = items.filter(Boolean).map((item) => {
      const li = el("li", { role: "menuitem", tabindex: "-1", class: item.critical ? "critical" : "",
        "aria-disabled": item.disabled ? "true" : null, text: item.label });
      const run = () => { if (item.disabled) return; close(true); item.onSelect(); };
      li.addEventListener("click", run);
      li.addEventListener("keydown", (e) => {
        const i = entries.indexOf(li);
        if (e.key === "ArrowDown") { e.preventDefault(); entries[(i + 1) % entries.length].focus(); }
        else if (e.key === "ArrowUp") { e.preventDefault(); entries[(i - 1 + entries.length) % entries.length].focus(); }
        else if (e.key === "Home") { e.preventDefault(); entries[0].focus(); }
        else if (e.key === "End") { e.preventDefault(); entries[entries.length - 1].focus(); }
        else if (e.key === "Enter" || e.key === " ") { e.preventDefault(); run(); }
        else if (e.key === "Escape") { e.preventDefault(); close(true); }
        else if (e.key === "Tab") close(false);
      });
      list.appendChild(li);
      return li;
    });
    function open(focusLast) {
      list.hidden = false;
      button.setAttribute("aria-expanded", "true");
      (focusLast ? entries[entries.length - 1] : entries[0]).focus();
      setTimeout(() => document.addEventListener("click", outside, { once: true }), 0);
    }
    function close(refocus) {
      list.hidden = true;
      button.setAttribute("aria-expanded", "false");
      if (refocus) button.focus();
    }
    function outside(e) { if (!list.contains(e.target)) close(false); }
    button.addEventListener("click", () => (list.hidden ? open(false) : close(true)));
    button.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") { e.preventDefault(); open(false); }
      if (e.key === "ArrowUp") { e.preventDefault(); open(true); }
    });
    return el("div", { class: "menu-wrap" }, [button, list]);
  }

  // --- tabs (arrow keys move and select, Home/End) ---
  function tabs(tablist, onSelect) {
    const all = () => Array.from(tablist.querySelectorAll("[role=tab]"));
    function select(tab, focus) {
      all().forEach((t) => {
        const on = t === tab;
        t.setAttribute("aria-selected", String(on));
        t.tabIndex = on ? 0 : -1;
      });
      if (focus) tab.focus();
      onSelect(tab);
    }
    all().forEach((tab) => {
      tab.addEventListener("click", () => select(tab, false));
      tab.addEventListener("keydown", (e) => {
        const list = all();
        const i = list.indexOf(tab);
        const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: list.length - 1 }[e.key];
        if (to === undefined) return;
        e.preventDefault();
        select(list[(to + list.length) % list.length], true);
      });
    });
    return { select: (tab) => select(tab, false) };
  }

  // --- a confirmation dialog (native <dialog>: focus trapped, Escape cancels) ---
  function confirmDialog(title, message, confirmLabel, critical) {
    return new Promise((resolve) => {
      const ok = el("button", { type: "button", class: critical ? "critical" : "primary", text: confirmLabel, "data-testid": "confirm" });
      const cancel = el("button", { type: "button", class: "secondary", text: "Cancel", "data-testid": "cancel" });
      const dialog = el("dialog", { class: "dialog", "aria-labelledby": "dialog-title", "data-testid": "dialog" }, [
        el("h2", { id: "dialog-title", text: title }), el("p", { text: message }),
        el("div", { class: "actions" }, [cancel, ok])]);
      const done = (value) => { dialog.close(); dialog.remove(); resolve(value); };
      ok.addEventListener("click", () => done(true));
      cancel.addEventListener("click", () => done(false));
      dialog.addEventListener("cancel", (e) => { e.preventDefault(); done(false); });
      document.body.appendChild(dialog);
      dialog.showModal();
      cancel.focus();
    });
  }

  // --- icons: Polaris's SVGs, self-hosted (static/vendor/polaris-icons) ---
  const staticBase = (document.querySelector('link[href*="app.css"]') || { href: "/static/app.css" }).href.replace(/app\.css.*$/, "");
  function icon(name) {
    return el("img", { src: `${staticBase}vendor/polaris-icons/${name}.svg`, alt: "", class: "icon", width: "20", height: "20" });
  }

  // --- the orders-per-day chart: inline SVG, fixed size (no layout shift) ---
  function chart(container, days) {
    const svgNS = "http://www.w3.org/2000/svg";
    const w = 600, h = 160, pad = 24;
    const max = Math.max(1, ...days.map((d) => d.count));
    const svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    svg.setAttribute("role", "img");
    const total = days.reduce((a, d) => a + d.count, 0);
    svg.setAttribute("aria-label", `Orders imported per day, last ${days.length} days: ${total} in all`);
    const bw = (w - pad) / days.length;
    days.forEach((d, i) => {
      const bh = Math.round((h - pad - 8) * d.count / max);
      const rect = document.createElementNS(svgNS, "rect");
      rect.setAttribute("x", String(pad + i * bw + 2));
      rect.setAttribute("y", String(h - pad - bh));
      rect.setAttribute("width", String(Math.max(2, bw - 4)));
      rect.setAttribute("height", String(bh));
      rect.setAttribute("rx", "3");
      rect.setAttribute("class", "bar");
      const title = document.createElementNS(svgNS, "title");
      title.textContent = `${d.day}: ${d.count} orders`;
      rect.appendChild(title);
      svg.appendChild(rect);
      if (i === 0 || i === days.length - 1 || i % 7 === 0) {
        const label = document.createElementNS(svgNS, "text");
        label.setAttribute("x", String(pad + i * bw + bw / 2));
        label.setAttribute("y", String(h - 6));
        label.setAttribute("text-anchor", "middle");
        label.setAttribute("class", "axis");
        label.textContent = d.day.slice(5);
        svg.appendChild(label);
      }
    });
    const top = document.createElementNS(svgNS, "text");
    top.setAttribute("x", "0"); top.setAttribute("y", "12"); top.setAttribute("class", "axis");
    top.textContent = String(max);
    svg.appendChild(top);
    container.replaceChildren(svg);
  }

  function emptyState(title, text, action) {
    return el("div", { class: "empty-state", "data-testid": "empty-state" }, [
      el("p", { class: "empty-title", text: title }), text ? el("p", { class: "subdued", text: text }) : null, action || null]);
  }
  function errorState(text, retry) {
    return el("div", { class: "error-state", role: "alert" }, [icon("AlertCircleIcon"), el("span", { text: text }),
      retry ? el("button", { type: "button", class: "secondary", text: "Try again", onclick: retry }) : null]);
  }

  // The title bar's main action (App Bridge shows it in the admin's top bar).
  function mainAction(handler) {
    const button = document.getElementById("main-action");
    if (!button) return;
    button.addEventListener("click", handler);
    button.disabled = false;
  }

  window.omsUi = { when, number, countWords, errorWords, statusWord, valueLabel, humanize, act, loading, saveBar, menu, tabs,
    confirmDialog, icon, chart, emptyState, errorState, mainAction, zone };

  window.omsDom.ready(function () {
    const save = document.getElementById("save-bar-save");
    const discard = document.getElementById("save-bar-discard");
    if (save) save.addEventListener("click", () => saveBar.save());
    if (discard) discard.addEventListener("click", () => saveBar.discard());
  });
})();
