// Overview: the connection, the access level (saved with the save bar), the setup
// checklist, the health of every flow and the orders imported per day.
(function () {
  "use strict";
  const { el, ready } = window.omsDom;
  const ui = window.omsUi;
  const flows = window.omsFlows;
  const PAGE_OF = { products: "/products", orders: "/orders", inventory: "/inventory", locations: "/locations", fulfillments: "/orders" };
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

  function steps() {
    const shop = facts.shop || {};
    const sync = facts.sync || {};
    const locations = facts.locations || [];
    const products = sync.products || {};
    const orders = sync.orders || {};
    return [
      { id: "access", title: "Choose what the app may do in Shopify", done: shop.access && shop.access !== "none",
        text: "Read to download products and orders; read and write to also push stock and fulfillments.", href: null },
      { id: "types", title: "Map product types", done: allMapped(facts.types),
        text: "Each Shopify product type to an OMS product type. You can do this before the first download.", href: "/mappings#product_type" },
      { id: "channels", title: "Map sales channels", done: allMapped(facts.channels),
        text: "Where orders come from (online store, point of sale…) to OMS sales channels.", href: "/mappings#sales_channel" },
      { id: "locations", title: "Map your locations to OMS facilities", done: locations.some((l) => l.default && l.facility_id),
        text: "Create a facility for each location, and choose the default location for online orders.", href: "/locations" },
      { id: "download", title: "Download products and orders", done: (products.total || 0) > 0 && (orders.last_run || {}).status === "succeeded",
        text: "Products, then open unfulfilled orders and every change after.", href: "/products" },
      { id: "push", title: "Push stock to Shopify for the first time", done: !!(sync.inventory || {}).last_pushed_at,
        text: "The OMS sends stock per facility; the app pushes it to the mapped locations.", href: "/inventory" },
    ];
  }

  function renderChecklist() {
    const list = document.getElementById("checklist");
    if (!facts.shop || !facts.sync) return;
    const all = steps();
    const done = all.filter((s) => s.done).length;
    document.getElementById("checklist-progress").textContent = `${done} of ${all.length} done`;
    list.replaceChildren(...all.map((s) => el("li", { class: s.done ? "step done" : "step", "data-step": s.id,
      "data-done": s.done ? "true" : "false" }, [
      ui.icon(s.done ? "CheckCircleIcon" : "AlertCircleIcon"),
      el("div", {}, [
        el("p", { class: "step-title", text: s.title }, [el("span", { class: "visually-hidden", text: s.done ? " (done)" : " (to do)" })]),
        el("p", { class: "subdued", text: s.text }),
      ]),
      s.href && !s.done ? el("a", { href: s.href, class: "button-link", "data-testid": `checklist-${s.id}`, text: "Start" }) : null,
    ])));
  }

  function renderHealth(body, error) {
    const list = document.getElementById("health-list");
    if (error) { list.replaceChildren(ui.errorState(`Could not load the syncs: ${error.message}`, flows.refresh)); return; }
    facts.sync = body;
    document.getElementById("sync-updated").textContent = `Updated ${ui.when(new Date().toISOString())}`;
    list.replaceChildren(...Object.keys(flows.TITLES).map((name) => {
      const flow = flows.view(name);
      const run = flow.last_run;
      const state = flow.state === "running" ? "Running" : flow.state === "queued" ? "Queued"
        : flow.enabled === false ? "Off" : run && run.status === "failed" ? "Needs attention" : run ? "Healthy" : "Not run yet";
      const tone = state === "Needs attention" ? "badge-run-failed" : state === "Healthy" ? "badge-active"
        : state === "Running" || state === "Queued" ? "badge-run-running" : "";
      return el("li", { class: "health-row", "data-flow": name, "data-testid": `health-${name}` }, [
        el("a", { href: PAGE_OF[name], text: flows.TITLES[name] }),
        el("span", { class: `badge ${tone}`, "data-testid": "state", text: state }),
        el("span", { class: "subdued health-detail", text: run && run.status === "failed" ? ui.errorWords(run)
          : run ? `Last sync ${ui.when(run.finished_at || run.started_at)}` : "" }),
      ]);
    }));
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
