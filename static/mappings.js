// Mappings: Shopify values found (channels, product types, gateways, shipping methods) -> OMS values.
(function () {
  "use strict";
  const { el, ready, latestOnly } = window.omsDom;
  const fetchMappings = latestOnly((which) => window.omsApi.call(`/api/mappings/${which}`));
  let kind = "sales_channel";
  let changes = {};
  let changesKind = kind;

  function options(values, selected, emptyLabel) {
    return [el("option", { value: "", text: emptyLabel, selected: !selected })].concat(
      values.map((v) => el("option", { value: v.value, text: v.label && v.label !== v.value ? `${v.label} (${v.value})` : v.value,
        selected: v.value === selected })));
  }

  function change(row, field, value) {
    changes[row.shopify_value] = Object.assign({ shopify_value: row.shopify_value, oms_value: row.oms_value,
      carrier: row.carrier }, changes[row.shopify_value] || {}, { [field]: value || null });
    if (kind !== "shipping_method") delete changes[row.shopify_value].carrier;
    document.getElementById("save-mappings").disabled = false;
  }

  // `keep`: a reload of the same list (after "Find values in Shopify", say) keeps the
  // edits not saved yet on the rows still there; after a save the list starts clean.
  function render(body, keep) {
    const pending = keep && changesKind === kind ? changes : {};
    const rows = body.values || [];
    changes = {};
    changesKind = kind;
    rows.forEach((row) => { if (pending[row.shopify_value]) changes[row.shopify_value] = pending[row.shopify_value]; });
    const shown = (row, field) => (changes[row.shopify_value] && field in changes[row.shopify_value]
      ? changes[row.shopify_value][field] : row[field]);
    document.getElementById("save-mappings").disabled = Object.keys(changes).length === 0;
    const shipping = kind === "shipping_method";
    document.getElementById("mappings-head").replaceChildren(el("tr", {}, [
      el("th", { text: "Shopify value" }), el("th", { text: "Found in" }), el("th", { text: "OMS value" }),
      shipping ? el("th", { text: "Carrier" }) : null,
    ]));
    document.getElementById("mappings-body").replaceChildren(...(rows.length ? rows.map((row) => el("tr", {
      "data-value": row.shopify_value, class: row.oms_value ? "" : "unmapped-row" }, [
      el("td", {}, [el("span", { text: row.label || row.shopify_value }),
        row.oms_value ? null : el("span", { class: "badge badge-warning", text: "unmapped" })]),
      el("td", { class: "subdued", text: row.source || "" }),
      el("td", {}, [el("select", { "data-testid": "oms-value", "aria-label": `OMS value for ${row.shopify_value}`,
        onchange: (e) => change(row, "oms_value", e.target.value) }, options(body.oms_values || [], shown(row, "oms_value"), "— unmapped —"))]),
      shipping ? el("td", {}, [el("select", { "data-testid": "carrier", "aria-label": `Carrier for ${row.shopify_value}`,
        onchange: (e) => change(row, "carrier", e.target.value) }, options(body.carriers || [], shown(row, "carrier"), "—"))]) : null,
    ])) : [el("tr", {}, [el("td", { colspan: "4", class: "subdued",
      text: "No values found yet: they are recorded as products and orders arrive, or find them in Shopify." })])]));
  }

  async function load() {
    try {
      render(await fetchMappings(kind), true);
    } catch (error) {
      if (error === latestOnly.superseded) return;
      document.getElementById("mappings-body").replaceChildren(el("tr", {}, [el("td", { class: "field-error",
        text: `Could not load mappings: ${error.message}` })]));
    }
  }

  async function save() {
    const button = document.getElementById("save-mappings");
    button.disabled = true;
    try {
      render(await window.omsApi.call(`/api/mappings/${kind}`, { method: "PUT", body: { mappings: Object.values(changes) } }), false);
      window.omsApi.toast("Mappings saved");
    } catch (error) {
      button.disabled = false;
      window.omsApi.toast(error.message, true);
    }
  }

  ready(function () {
    if (!document.getElementById("mappings-card")) return;
    document.querySelectorAll("#mapping-tabs [role=tab]").forEach((tab) => tab.addEventListener("click", () => {
      document.querySelectorAll("#mapping-tabs [role=tab]").forEach((t) => t.setAttribute("aria-selected", String(t === tab)));
      kind = tab.dataset.kind;
      load();
    }));
    document.getElementById("save-mappings").addEventListener("click", save);
    document.getElementById("import-mappings").addEventListener("click", async () => {
      try {
        const result = await window.omsApi.call("/api/mappings/import", { method: "POST" });
        window.omsApi.toast(`Found ${Object.values(result.added || {}).reduce((a, b) => a + (+b || 0), 0)} new values`);
      } catch (error) {
        window.omsApi.toast(error.message, true);
      }
      load();
    });
    document.getElementById("import-mappings").disabled = false;
    load();
  });
})();
