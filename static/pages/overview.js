// Overview: the connection, the access level (saved with the save bar), the setup
// checklist, the health of every flow and the orders imported per day.
(function () {
  "use strict";
  const { ready } = window.omsDom;
  const ui = window.omsUi;
  const flows = window.omsFlows;
  const facts = { shop: null, sync: null, locations: null, types: null, channels: null };

  function accessLevel() {
    const select = document.getElementById("access-level");
    const message = document.getElementById("access-message");
    if (!select) return;
    ui.saveBar.register({
      dirty: () => select.value !== select.dataset.current,
      async save() {
        try {
          const shop = await window.omsApi.call("/api/shop", { method: "PATCH", body: { access: select.value } });
          select.dataset.current = shop.access;
          select.value = shop.access;
          message.textContent = "Access level saved.";
          message.className = "field-help";
          facts.shop = shop;
          renderChecklist();
          flows.refresh(); // what may run changed: the cards must say so now, not in 15 s
        } catch (error) {
          message.textContent = error.message;
          message.className = "field-help field-error";
          throw error;
        }
      },
      discard() { select.value = select.dataset.current; message.textContent = ""; },
    });
    select.addEventListener("change", () => ui.saveBar.changed());
    select.disabled = false;
  }

  function allMapped(body) { return body && (body.values || []).length > 0 && (body.unmapped ?? 1) === 0; }

  function done() {
    const shop = facts.shop || {};
    const sync = facts.sync || {};
    const locations = facts.locations || [];
    const products = sync.products || {};
    const orders = sync.orders || {};
    return {
      access: !!shop.access && shop.access !== "none",
      types: allMapped(facts.types),
      channels: allMapped(facts.channels),
      locations: locations.some((l) => l.default && l.facility_id),
      download: (products.total || 0) > 0 && (orders.last_run || {}).status === "succeeded",
      push: !!(sync.inventory || {}).last_pushed_at,
    };
  }

  function renderChecklist() {
    if (!facts.shop || !facts.sync) return;
    const state = done();
    const steps = Array.from(document.querySelectorAll("#checklist [data-step]"));
    steps.forEach((li) => {
      const ok = !!state[li.dataset.step];
      li.dataset.done = ok ? "true" : "false";
      li.classList.toggle("done", ok);
      const icon = li.querySelector(".step-icon");
      icon.src = icon.src.replace(/(CheckCircle|AlertCircle)Icon\.svg$/, ok ? "CheckCircleIcon.svg" : "AlertCircleIcon.svg");
      li.querySelector(".step-state").textContent = ok ? " (done)" : " (to do)";
      const link = li.querySelector(".step-link");
      if (link) link.classList.toggle("invisible", ok);
    });
    document.getElementById("checklist-progress").textContent =
      `${steps.filter((li) => li.dataset.done === "true").length} of ${steps.length} done`;
  }

  function renderHealth(body, error) {
    const list = document.getElementById("health-list");
    const updated = document.getElementById("sync-updated");
    if (error) { updated.textContent = `Could not load the syncs: ${error.message}`; updated.className = "field-error"; return; }
    updated.className = "subdued";
    facts.sync = body;
    updated.textContent = `Updated ${ui.when(new Date().toISOString())}`;
    list.querySelectorAll("[data-flow]").forEach((row) => {
      const flow = flows.view(row.dataset.flow);
      const run = flow.last_run;
      const state = flow.state === "running" ? "Running" : flow.state === "queued" ? "Queued"
        : flow.enabled === false ? "Off" : run && run.status === "failed" ? "Needs attention" : run ? "Healthy" : "Not run yet";
      const tone = state === "Needs attention" ? "badge-run-failed" : state === "Healthy" ? "badge-active"
        : state === "Running" || state === "Queued" ? "badge-run-running" : "";
      const badge = row.querySelector("[data-testid=state]");
      badge.className = `badge ${tone}`;
      badge.textContent = state;
      row.querySelector(".health-detail").textContent = run && run.status === "failed" ? ui.errorWords(run)
        : run ? `Last sync ${ui.when(run.finished_at || run.started_at)}` : "";
    });
    renderChecklist();
  }

  async function loadFacts() {
    const get = (path) => window.omsApi.call(path).catch(() => null);
    const [shop, locations, types, channels] = await Promise.all([get("/api/shop"), get("/api/locations"),
      get("/api/mappings/product_type"), get("/api/mappings/sales_channel")]);
    Object.assign(facts, { shop, types, channels,
      locations: Array.isArray(locations) ? locations : (locations && locations.locations) || [] });
    renderChecklist();
  }

  async function loadChart() {
    const box = document.getElementById("orders-chart");
    try {
      const body = await window.omsApi.call("/api/orders/daily?days=14");
      document.getElementById("chart-zone").textContent = `Days in ${body.timezone}`;
      if (!body.days.some((d) => d.count)) {
        box.replaceChildren(ui.emptyState("No orders imported in the last 14 days", "Orders appear here as they are downloaded."));
        return;
      }
      ui.chart(box, body.days);
    } catch (error) {
      box.replaceChildren(ui.errorState(`Could not load the chart: ${error.message}`, loadChart));
    }
  }

  ready(function () {
    accessLevel();
    flows.subscribe(renderHealth);
    ui.mainAction(async () => {
      await flows.runNow("products").catch(() => {});
      await flows.runNow("orders").catch(() => {});
    });
    flows.refresh();
    loadFacts();
    loadChart();
  });
})();
