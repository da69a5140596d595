// The syncs, live: GET /api/sync every ~2 s while something runs (and right after every
// action), a run queued by a click shown until its result is seen; the flow cards.
(function () {
  "use strict";
  const { el, latestOnly } = window.omsDom;
  const ui = window.omsUi;
  const fetchSync = latestOnly(() => window.omsApi.call("/api/sync"));
  const TITLES = { products: "Products", orders: "Orders", inventory: "Inventory", fulfillments: "Fulfillments", locations: "Locations" };
  const listeners = [];
  const pending = {}; // flow -> id of the run a click queued, until a finished run at least as new is seen
  let body = null;
  let timer = null;

  function view(name) {
    const flow = (body && body[name]) || {};
    const mine = pending[name];
    if (mine && flow.last_run && flow.last_run.id >= mine && !flow.running && !flow.queued) delete pending[name];
    let state = "idle";
    if (flow.running) state = "running";
    else if (flow.queued || pending[name]) state = "queued";
    return Object.assign({}, flow, { state });
  }

  function busy() {
    return body && Object.keys(body).some((name) => view(name).state !== "idle");
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      body = await fetchSync();
      listeners.forEach((fn) => fn(body));
    } catch (error) {
      if (error === latestOnly.superseded) return;
      listeners.forEach((fn) => fn(null, error));
    }
    timer = setTimeout(refresh, busy() ? 2000 : 15000);
  }

  async function runNow(name, path, message) {
    const run = await ui.act(() => window.omsApi.call(path || `/api/sync/${name}/run`, { method: "POST" }),
      message || `${TITLES[name]} sync queued: it starts within seconds`);
    if (run && run.id) pending[name] = run.id;
    refresh();
    return run;
  }

  function progressBar(name, running) {
    const done = running && typeof running.done === "number" ? running.done : 0;
    const total = running && typeof running.total === "number" ? running.total : null;
    const label = total ? `${ui.number(done)} of ${ui.number(total)}` :
      (done ? `${ui.number(done)} so far` : "Shopify is preparing the data…");
    const bar = el("div", { class: "progress", role: "progressbar", "aria-label": `${TITLES[name]} sync progress`,
      "aria-valuemin": "0", "aria-valuemax": total ? String(total) : null, "aria-valuenow": total ? String(done) : null,
      "aria-valuetext": label, "data-testid": "progress" }, [
      el("div", { class: total ? "progress-fill" : "progress-fill indeterminate",
        style: total ? `width:${Math.min(100, Math.round(100 * done / total))}%` : null })]);
    return el("div", { class: "progress-wrap" }, [bar, el("span", { class: "subdued", text: label })]);
  }

  function stats(name, flow) {
    if (name === "products") return `${ui.number(flow.imported_24h)} imported in the last 24 hours · ${ui.number(flow.total)} in all`;
    if (name === "orders") return `${ui.number(flow.imported_15m)} imported in the last 15 minutes · ${ui.number(flow.total)} in all`;
    if (name === "inventory") return `Last pushed: ${ui.when(flow.last_pushed_at)}`;
    return "";
  }

  function lastRun(run) {
    if (!run) return el("p", { class: "subdued", "data-testid": "last-run", text: "No sync has finished yet." });
    const words = ui.countWords(run.counts);
    return el("div", { class: "last-run", "data-testid": "last-run" }, [
      el("span", { class: `badge badge-run-${run.status}`, "data-testid": "last-run-status", text: ui.statusWord(run.status) }),
      el("span", { class: "subdued", text: ` ${ui.when(run.finished_at || run.started_at)}` }),
      words ? el("p", { class: "subdued", text: words }) : null,
      run.error ? el("p", { class: "field-error", "data-testid": "last-run-error", text: ui.errorWords(run) }) : null,
    ]);
  }

  function badge(flow) {
    if (flow.state === "running") return el("span", { class: "badge badge-run-running", "data-testid": "state", text: "Running" });
    if (flow.state === "queued") return el("span", { class: "badge badge-run-queued", "data-testid": "state", text: "Queued" });
    if (flow.enabled === false) return el("span", { class: "badge", "data-testid": "state", text: "Off" });
    return el("span", { class: "badge badge-active", "data-testid": "state", text: "On" });
  }

  // The status part of a flow's card (re-rendered on every refresh).
  function status(name, flow, extra) {
    const syncNow = el("button", { type: "button", class: "secondary", "data-testid": "sync-now",
      "aria-label": `Sync now: ${TITLES[name].toLowerCase()}`, text: "Sync now",
      disabled: flow.enabled === false || flow.state !== "idle" || !!flow.blocked });
    syncNow.addEventListener("click", () => runNow(name).catch(() => {}));
    return [
      el("div", { class: "card-header" }, [el("h2", { text: TITLES[name] }), badge(flow)]),
      el("p", { class: "stats", "data-testid": "stats", text: stats(name, flow) }),
      flow.state === "running" ? progressBar(name, flow.running) : null,
      flow.state === "queued" ? el("p", { class: "running", "data-testid": "queued", text: "Queued: starts within seconds." }) : null,
      flow.blocked && flow.enabled !== false ? el("p", { class: "subdued", "data-testid": "blocked",
        text: `Not running: ${ui.errorWords({ error: flow.blocked })}` }) : null,
      lastRun(flow.last_run),
      el("div", { class: "actions-row" }, [syncNow].concat(extra || [])),
    ];
  }

  // The flow's settings, saved with the save bar: "Sync … automatically" and the interval.
  function settings(name, container) {
    const label = TITLES[name].toLowerCase();
    // Off limits until the flow's state is known: a switch shown "off" before it would say something false.
    const toggle = el("input", { type: "checkbox", role: "switch", id: `auto-${name}`, "data-testid": "enabled", disabled: true });
    const stateText = el("span", { class: "switch-state", "aria-hidden": "true", "data-testid": "switch-state" });
    const interval = el("input", { type: "number", min: "1", max: "1440", step: "1", id: `interval-${name}`,
      class: "interval", "data-testid": "interval", inputmode: "numeric", "aria-describedby": `interval-${name}-help`, disabled: true });
    const help = el("p", { class: "field-help", id: `interval-${name}-help`, text: "Whole minutes, 1 to 1440." });
    let saved = null;
    const paint = () => { stateText.textContent = toggle.checked ? "On" : "Off"; };
    const intervalValue = () => (interval.value === "" ? null : Number(interval.value));
    const section = {
      dirty: () => saved !== null && (toggle.checked !== saved.enabled || intervalValue() !== saved.interval),
      async save() {
        const minutes = intervalValue();
        if (minutes !== null && (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440)) {
          help.textContent = "Enter whole minutes from 1 to 1440.";
          help.className = "field-help field-error";
          throw new Error(`${TITLES[name]}: the interval must be whole minutes from 1 to 1440`);
        }
        const result = await window.omsApi.call(`/api/sync/${name}`, { method: "PATCH",
          body: { enabled: toggle.checked, interval_minutes: minutes } });
        saved = { enabled: result.enabled !== false, interval: result.interval_minutes };
        help.textContent = "Whole minutes, 1 to 1440.";
        help.className = "field-help";
        refresh();
      },
      discard() { toggle.checked = saved.enabled; interval.value = saved.interval ?? ""; paint(); },
    };
    ui.saveBar.register(section);
    [toggle, interval].forEach((input) => input.addEventListener("input", () => { paint(); ui.saveBar.changed(); }));
    toggle.addEventListener("change", () => { paint(); ui.saveBar.changed(); });
    container.replaceChildren(el("div", { class: "settings" }, [
      el("div", { class: "switch" }, [toggle, el("label", { for: `auto-${name}`, text: `Sync ${label} automatically` }), stateText]),
      el("div", { class: "field" }, [el("label", { for: `interval-${name}`, text: `Minutes between ${label} syncs` }), interval, help]),
    ]));
    return function update(flow) {
      if (section.dirty()) return; // keep the merchant's edits
      saved = { enabled: flow.enabled !== false, interval: flow.interval_minutes ?? null };
      toggle.checked = saved.enabled;
      interval.value = saved.interval ?? "";
      toggle.disabled = interval.disabled = false;
      paint();
    };
  }

  // A full card for one flow into `card` (a server-rendered, space-reserving <section>).
  function mountCard(name, card, extra) {
    const statusBox = el("div", { class: "flow-status", "aria-live": "polite" });
    const settingsBox = el("div", {});
    card.replaceChildren(statusBox, settingsBox);
    const update = settings(name, settingsBox);
    listeners.push((b, error) => {
      if (error) { statusBox.replaceChildren(ui.errorState(`Could not load the syncs: ${error.message}`, refresh)); return; }
      const flow = view(name);
      statusBox.replaceChildren(...status(name, flow, extra ? extra(flow) : null).filter(Boolean));
      update(flow);
      card.setAttribute("aria-busy", "false");
    });
  }

  function subscribe(fn) { listeners.push(fn); }

  const TRIGGER_WORDS = { manual: "Sync now", schedule: "Scheduled", scheduled: "Scheduled", interval: "Scheduled",
    full: "Download everything again", reconcile: "Daily check", install: "First download", webhook: "Shopify notified" };

  // Recent runs of a flow: when, why, the result in words; `failedOrder(order)` builds a
  // control for an order a run could not apply (orders: "Retry this order").
  function mountRuns(name, tbody, failedOrder) {
    let lastKey = null;
    async function load() {
      try {
        const { runs } = await window.omsApi.call(`/api/runs?flow=${name}&limit=10`);
        const key = JSON.stringify(runs.map((r) => [r.id, r.status, r.finished_at]));
        if (key === lastKey) return;
        lastKey = key;
        tbody.replaceChildren(...(runs.length ? runs.map((run) => {
          const failed = (run.counts && Array.isArray(run.counts.failed_orders)) ? run.counts.failed_orders : [];
          return el("tr", { "data-run": String(run.id) }, [
            el("td", { text: ui.when(run.started_at || run.queued_at) }),
            el("td", { text: TRIGGER_WORDS[run.trigger] || "Sync" }),
            el("td", {}, [el("span", { class: `badge badge-run-${run.status}`, text: ui.statusWord(run.status) })]),
            el("td", {}, [
              el("span", { text: run.error ? ui.errorWords(run) : (ui.countWords(run.counts) || "—") }),
              ...failed.slice(0, 5).map((order) => el("div", { class: "failed-order", "data-testid": "failed-order" }, [
                el("span", { text: `Order ${order.name || order.id} could not be saved: ${ui.errorWords({ error: order.error })}` }),
                failedOrder ? failedOrder(order) : null])),
            ]),
          ]);
        }) : [el("tr", {}, [el("td", { colspan: "4" }, [ui.emptyState("No syncs yet", "Runs appear here as they start.")])])]));
      } catch (error) {
        tbody.replaceChildren(el("tr", {}, [el("td", { colspan: "4" }, [ui.errorState(`Could not load the runs: ${error.message}`, load)])]));
      }
    }
    subscribe(load);
    return load;
  }

  window.omsFlows = { refresh, runNow, view, subscribe, mountCard, mountRuns, TITLES };
})();
