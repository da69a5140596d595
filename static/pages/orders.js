// Orders: what is imported and why, the sync, the chart, recent orders with their mapped
// values (an unmapped flag), recent runs with "Retry this order", the daily check.
(function () {
  "use strict";
  const { el, ready } = window.omsDom;
  const ui = window.omsUi;
  const flows = window.omsFlows;
  // Shopify's values as the merchant knows them (the mappings' labels), never raw codes.
  const labels = { sales_channel: {}, payment_method: {}, shipping_method: {} };
  async function loadLabels() {
    await Promise.all(Object.keys(labels).map(async (kind) => {
      try {
        const body = await window.omsApi.call(`/api/mappings/${kind}`);
        (body.values || []).forEach((row) => { labels[kind][row.shopify_value] = ui.valueLabel(row); });
      } catch (error) { /* codes in words then */ }
    }));
  }
  function shopifyWords(kind, values) {
    return values.filter(Boolean).map((v) => labels[kind][v] || ui.valueLabel({ shopify_value: v })).join(", ");
  }

  function mapped(value, shopifyValue, key, order) {
    const missing = (order.unmapped || []).includes(key);
    return el("td", {}, [
      el("span", { text: value || shopifyValue || "—" }),
      missing ? el("span", { class: "badge badge-warning", "data-testid": "unmapped", text: "Not mapped" }) : null,
    ]);
  }

  let lastKey = null;
  async function loadRecent() {
    const body = document.getElementById("recent-body");
    try {
      const { orders } = await window.omsApi.call("/api/orders/recent?limit=10");
      const key = JSON.stringify(orders);
      if (key === lastKey) return;
      lastKey = key;
      body.replaceChildren(...(orders.length ? orders.map((o) => el("tr", { "data-order": o.id }, [
        el("td", { text: o.name || o.id }),
        el("td", { text: ui.when(o.created_at) }),
        mapped(o.sales_channel, shopifyWords("sales_channel", [o.channel]), "sales_channel", o),
        mapped(o.payment_method, shopifyWords("payment_method", o.payment_gateways || []), "payment_method", o),
        mapped(o.shipping_method && o.shipping_carrier ? `${o.shipping_method} (${o.shipping_carrier})` : o.shipping_method,
          shopifyWords("shipping_method", [o.shipping_title]), "shipping_method", o),
      ])) : [el("tr", {}, [el("td", { colspan: "5" }, [ui.emptyState("No orders yet", "They appear here as the first download brings them in.")])])]));
    } catch (error) {
      body.replaceChildren(el("tr", {}, [el("td", { colspan: "5" }, [ui.errorState(`Could not load orders: ${error.message}`, loadRecent)])]));
    }
  }

  function retry(order) {
    return el("button", { type: "button", class: "secondary", "data-testid": "retry-order", text: "Retry this order",
      "aria-label": `Retry this order: ${order.name || order.id}`,
      onclick: async (e) => {
        e.target.disabled = true;
        try {
          await ui.act(() => window.omsApi.call("/api/orders/refetch", { method: "POST", body: { order: order.id || order.name } }),
            (r) => `Order ${r.name || r.id} fetched again and saved`);
          loadRecent();
        } catch (error) { e.target.disabled = false; }
      } });
  }

  async function loadChart() {
    const box = document.getElementById("orders-chart");
    try {
      const body = await window.omsApi.call("/api/orders/daily?days=14");
      document.getElementById("chart-zone").textContent = `Days in ${body.timezone}`;
      if (!body.days.some((d) => d.count)) { box.replaceChildren(ui.emptyState("No orders imported in the last 14 days")); return; }
      ui.chart(box, body.days);
    } catch (error) {
      box.replaceChildren(ui.errorState(`Could not load the chart: ${error.message}`, loadChart));
    }
  }

  async function loadReport() {
    const box = document.getElementById("reconciliation-body");
    try {
      const { report } = await window.omsApi.call("/api/orders/reconciliation");
      if (!report) { box.replaceChildren(ui.emptyState("No daily check yet", "It runs once a day and compares Shopify's order counts with the app's.")); return; }
      box.replaceChildren(
        el("p", { "data-testid": "reconciliation-summary", text: `Checked ${report.days_checked} days on ${ui.when(report.finished_at || report.started_at)}: ` +
          `${report.missing} missing, ${report.stale} out of date, ${report.refetched} fetched again, ${report.still_wrong} still wrong.` }),
        ...(report.still_wrong_orders || []).map((o) => el("div", { class: "failed-order" }, [
          el("span", { text: `Order ${o.name || o.id}: ${ui.errorWords({ error: o.reason })}` }), retry(o)])));
    } catch (error) {
      box.replaceChildren(ui.errorState(`Could not load the daily check: ${error.message}`, loadReport));
    }
  }

  ready(function () {
    flows.mountCard("orders", document.getElementById("flow-orders"), (flow) => [el("button", { type: "button", class: "secondary",
      "data-testid": "download-again", text: "Download everything again", "aria-label": "Download everything again: orders",
      disabled: flow.enabled === false || flow.state !== "idle",
      onclick: async () => {
        if (await ui.confirmDialog("Download the orders again?", "The app downloads the orders it imports from Shopify again. Nothing is lost meanwhile.", "Download again")) {
          flows.runNow("orders", "/api/sync/orders/download", "Full download queued: it starts within seconds").catch(() => {});
        }
      } })]);
    flows.mountCard("fulfillments", document.getElementById("flow-fulfillments"));
    flows.mountRuns("orders", document.getElementById("runs-body"), retry);
    loadLabels().then(() => flows.subscribe(loadRecent)).then(loadRecent);
    ui.mainAction(() => flows.runNow("orders").catch(() => {}));
    flows.refresh();
    loadChart();
    loadReport();
  });
})();
