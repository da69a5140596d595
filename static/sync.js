// The sync cards: GET /api/sync, switch a flow on or off, change its interval, sync now.
(function () {
  "use strict";
  const { el, when, ready, latestOnly } = window.omsDom;
  const fetchSync = latestOnly(() => window.omsApi.call("/api/sync"));
  const FLOWS = [
    ["products", "Products", "down"],
    ["orders", "Orders", "down"],
    ["inventory", "Inventory", "up"],
    ["fulfillments", "Fulfillments", "up"],
    ["locations", "Locations", "down"],
  ];
  let timer = null;

  function flowData(body, name) {
    return (body && (body[name] || (body.flows && body.flows[name]))) || {};
  }

  function stats(name, flow) {
    if (name === "products") return `${flow.imported_24h ?? 0} imported in the last 24 hours · ${flow.total ?? 0} in all`;
    if (name === "orders") return `${flow.imported_15m ?? 0} imported in the last 15 minutes · ${flow.total ?? 0} in all`;
    if (name === "inventory") return `Last pushed: ${when(flow.last_pushed_at)}`;
    return "";
  }

  function lastRun(run) {
    if (!run) return el("p", { class: "subdued", text: "No run yet." });
    const counts = Object.entries(run.counts || {}).filter(([, v]) => typeof v === "number").map(([k, v]) => `${v} ${k}`).join(", ");
    return el("div", { class: "last-run" }, [
      el("span", { class: `badge badge-run-${run.status}`, "data-testid": "last-run-status", text: run.status }),
      el("span", { class: "subdued", text: ` ${when(run.finished_at || run.started_at)}` }),
      counts ? el("p", { class: "subdued", text: counts }) : null,
      run.error ? el("p", { class: "field-error", "data-testid": "last-run-error", text: run.error }) : null,
    ]);
  }

  function running(progress) {
    if (!progress) return null;
    const parts = Object.entries(typeof progress === "object" ? progress : {})
      .filter(([, v]) => typeof v !== "object").map(([k, v]) => `${k}: ${v}`);
    return el("p", { class: "running", "data-testid": "running", text: "Running… " + parts.join(" · ") });
  }

  async function patchFlow(name, body) {
    try {
      await window.omsApi.call(`/api/sync/${name}`, { method: "PATCH", body: body });
      window.omsApi.toast("Saved");
    } catch (error) {
      window.omsApi.toast(error.message, true);
    }
    refresh();
  }

  async function runNow(name, button) {
    button.disabled = true;
    try {
      await window.omsApi.call(`/api/sync/${name}/run`, { method: "POST" });
      window.omsApi.toast(`${name} sync queued`);
    } catch (error) {
      window.omsApi.toast(error.message, true);
    }
    refresh();
  }

  function card(name, title, direction, flow) {
    const enabled = flow.enabled !== false;
    const toggle = el("input", { type: "checkbox", checked: enabled, "data-testid": "enabled",
      onchange: (e) => patchFlow(name, { enabled: e.target.checked }) });
    const interval = el("input", { type: "number", min: "1", max: "1440", class: "interval",
      value: flow.interval_minutes ?? "", "data-testid": "interval",
      onchange: (e) => patchFlow(name, { interval_minutes: parseInt(e.target.value, 10) }) });
    const button = el("button", { type: "button", class: "secondary", "data-testid": "sync-now",
      disabled: !enabled || !!flow.running || !!flow.queued || !!flow.blocked, text: "Sync now" });
    button.addEventListener("click", () => runNow(name, button));
    return el("article", { class: "sync-card", "data-flow": name, "data-testid": `sync-${name}` }, [
      el("header", {}, [
        el("h3", { text: `${title} ${direction === "down" ? "↓" : "↑"}` }),
        el("label", { class: "switch" }, [toggle, " On"]),
      ]),
      el("p", { class: "stats", "data-testid": "stats", text: stats(name, flow) }),
      running(flow.running),
      flow.queued && !flow.running ? el("p", { class: "running", "data-testid": "queued", text: "Queued: starts within seconds." }) : null,
      flow.blocked && enabled ? el("p", { class: "subdued", "data-testid": "blocked", text: `Not running: ${flow.blocked}` }) : null,
      lastRun(flow.last_run),
      el("footer", {}, [el("label", {}, ["Every ", interval, " min"]), button]),
    ]);
  }

  async function refresh() {
    const grid = document.getElementById("sync-grid");
    if (!grid) return;
    try {
      const body = await fetchSync();
      grid.replaceChildren(...FLOWS.map(([name, title, dir]) => card(name, title, dir, flowData(body, name))));
      document.getElementById("sync-updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
      document.getElementById("sync-cards").setAttribute("aria-busy", "false");
      const anyRunning = FLOWS.some(([name]) => flowData(body, name).running);
      clearTimeout(timer);
      timer = setTimeout(refresh, anyRunning ? 2000 : 15000);
    } catch (error) {
      if (error === latestOnly.superseded) return;
      grid.replaceChildren(el("p", { class: "field-error", text: `Could not load the syncs: ${error.message}` }));
    }
  }

  ready(refresh);
})();
