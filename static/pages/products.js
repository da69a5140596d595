// Products: the sync (switch, interval, sync now, download everything again, live
// progress), recent runs, the products just imported.
(function () {
  "use strict";
  const { el, ready } = window.omsDom;
  const ui = window.omsUi;
  const flows = window.omsFlows;

  function downloadAgain(flow) {
    return el("button", { type: "button", class: "secondary", "data-testid": "download-again", text: "Download everything again",
      "aria-label": "Download everything again: products", disabled: flow.enabled === false || flow.state !== "idle",
      onclick: async () => {
        const ok = await ui.confirmDialog("Download every product again?",
          "The app downloads every product and variant from Shopify again. Nothing is lost meanwhile.", "Download again");
        if (ok) flows.runNow("products", "/api/sync/products/download", "Full download queued: it starts within seconds").catch(() => {});
      } });
  }

  let lastKey = null;
  async function loadRecent() {
    const body = document.getElementById("recent-body");
    try {
      const { products } = await window.omsApi.call("/api/products/recent?limit=10");
      const key = JSON.stringify(products.map((p) => [p.id, p.oms_product_type]));
      if (key === lastKey) return;
      lastKey = key;
      body.replaceChildren(...(products.length ? products.map((p) => el("tr", { "data-product": p.id }, [
        el("td", { text: p.title || "Untitled" }),
        el("td", { text: p.product_type || "—" }),
        el("td", {}, [p.unmapped ? el("span", { class: "badge badge-warning", text: "Not mapped" }) : el("span", { text: p.oms_product_type || "—" })]),
        el("td", { text: String(p.variants) }),
        el("td", { text: ui.when(p.imported_at) }),
      ])) : [el("tr", {}, [el("td", { colspan: "5" }, [ui.emptyState("No products yet", "They appear here as the first download brings them in.")])])]));
    } catch (error) {
      body.replaceChildren(el("tr", {}, [el("td", { colspan: "5" }, [ui.errorState(`Could not load products: ${error.message}`, loadRecent)])]));
    }
  }

  ready(function () {
    flows.mountCard("products", document.getElementById("flow-products"), (flow) => [downloadAgain(flow)]);
    flows.mountRuns("products", document.getElementById("runs-body"));
    flows.subscribe(loadRecent);
    ui.mainAction(() => flows.runNow("products").catch(() => {}));
    flows.refresh();
  });
})();
