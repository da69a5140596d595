// Mappings (sales channels, product types, payment methods) and Shipping methods: one row
// per Shopify value, bulk "map selected to…", an overflow menu per row, per-row errors.
// Edits of every tab are kept until saved or discarded with the save bar.
(function () {
  "use strict";
  const { el, ready, latestOnly } = window.omsDom;
  const ui = window.omsUi;
  // One "latest answer wins" per kind: reloading every kind at once supersedes nothing.
  const fetchers = {};
  const fetchKind = (which) => (fetchers[which] = fetchers[which] ||
    latestOnly(() => window.omsApi.call(`/api/mappings/${which}`)))();
  const NOUN = { sales_channel: "sales channel", product_type: "product type", payment_method: "payment method",
    shipping_method: "shipping method" };
  const state = {}; // kind -> {data, edits: {value: {oms_value, carrier}}, errors: {value: message}, selected: Set}
  let kind = null;

  const k = () => state[kind];
  const rowsOf = () => (k().data && k().data.values) || [];
  function shown(row, field) {
    const edit = k().edits[row.shopify_value];
    return edit && field in edit ? edit[field] : row[field] ?? null;
  }
  function optionLabel(v) { return v.label && v.label !== v.value ? `${v.label} (${v.value})` : v.value; }
  function options(values, selected, emptyLabel) {
    return [el("option", { value: "", text: emptyLabel, selected: !selected })].concat(
      values.map((v) => el("option", { value: v.value, text: optionLabel(v), selected: v.value === selected })));
  }

  function edit(row, field, value) {
    const edits = k().edits;
    const next = Object.assign({}, edits[row.shopify_value] || {}, { [field]: value || null });
    const same = (next.oms_value === undefined || next.oms_value === (row.oms_value ?? null)) &&
      (next.carrier === undefined || next.carrier === (row.carrier ?? null));
    if (same) delete edits[row.shopify_value]; else edits[row.shopify_value] = next;
    delete k().errors[row.shopify_value];
    ui.saveBar.changed();
  }

  function rowMenu(row) {
    const name = ui.valueLabel(row);
    return ui.menu(`More actions for ${name}`, [
      { label: "Remove mapping", critical: true, disabled: !shown(row, "oms_value"),
        onSelect: () => { edit(row, "oms_value", null); if (kind === "shipping_method") edit(row, "carrier", null); render(); } },
      { label: "Undo my change", disabled: !k().edits[row.shopify_value],
        onSelect: () => { delete k().edits[row.shopify_value]; ui.saveBar.changed(); render(); } },
    ]);
  }

  function renderBulk() {
    const count = k().selected.size;
    const select = document.getElementById("bulk-value");
    document.getElementById("bulk-count").textContent = count ? `${count} selected` : "Select values to map several at once";
    select.disabled = count === 0;
    document.getElementById("bulk-apply").disabled = count === 0 || !select.value;
  }

  function render() {
    const data = k().data;
    if (!data) return;
    const shipping = kind === "shipping_method";
    const rows = rowsOf();
    const all = el("input", { type: "checkbox", "aria-label": `Select every ${NOUN[kind]}`, "data-testid": "select-all",
      checked: rows.length > 0 && rows.every((r) => k().selected.has(r.shopify_value)),
      onchange: (e) => { rows.forEach((r) => (e.target.checked ? k().selected.add(r.shopify_value) : k().selected.delete(r.shopify_value))); render(); } });
    document.getElementById("mappings-head").replaceChildren(el("tr", {}, [
      el("th", { scope: "col", class: "select-cell" }, [all]),
      el("th", { scope: "col", text: `Shopify ${NOUN[kind]}` }), el("th", { scope: "col", class: "hide-narrow", text: "Found in" }),
      el("th", { scope: "col", text: shipping ? "OMS shipment method and carrier" : "OMS value" }),
      el("th", { scope: "col", class: "menu-cell" }, [el("span", { class: "visually-hidden", text: "Actions" })]),
    ]));
    const bulk = document.getElementById("bulk-value");
    const keep = bulk.value;
    bulk.replaceChildren(...options(data.oms_values || [], keep, "Map selected to…"));
    const body = document.getElementById("mappings-body");
    if (!rows.length) {
      body.replaceChildren(el("tr", {}, [el("td", { colspan: "6" }, [ui.emptyState(`No ${NOUN[kind]}s found yet`,
        "They are recorded as products and orders arrive; or find them in Shopify now.",
        el("button", { type: "button", class: "secondary", text: "Find values in Shopify", onclick: importValues }))])]));
      renderBulk();
      return;
    }
    body.replaceChildren(...rows.map((row) => {
      const name = ui.valueLabel(row);
      const error = k().errors[row.shopify_value];
      const changed = !!k().edits[row.shopify_value];
      const select = el("select", { "data-testid": "oms-value", "aria-label": `OMS value for ${name}`,
        "aria-invalid": error ? "true" : null, onchange: (e) => { edit(row, "oms_value", e.target.value); render(); } },
        options(data.oms_values || [], shown(row, "oms_value"), "Not mapped"));
      return el("tr", { "data-value": row.shopify_value, class: [shown(row, "oms_value") ? "" : "unmapped-row", changed ? "changed-row" : "",
        error ? "error-row" : ""].join(" ").trim() }, [
        el("td", { class: "select-cell" }, [el("input", { type: "checkbox", "aria-label": `Select ${name}`, "data-testid": "select-row",
          checked: k().selected.has(row.shopify_value),
          onchange: (e) => { (e.target.checked ? k().selected.add(row.shopify_value) : k().selected.delete(row.shopify_value)); renderBulk(); } })]),
        el("td", {}, [
          el("span", { class: "value-name", text: name }),
          name !== row.shopify_value ? el("span", { class: "subdued value-code", text: ` ${row.shopify_value}` }) : null,
          shown(row, "oms_value") ? null : el("span", { class: "badge badge-warning", text: "Not mapped" }),
          error ? el("p", { class: "field-error", role: "alert", "data-testid": "row-error", text: error }) : null,
        ]),
        el("td", { class: "subdued hide-narrow", text: row.source || "" }),
        el("td", {}, [shipping ? el("div", { class: "select-pair" }, [select, el("select", { "data-testid": "carrier",
          "aria-label": `Carrier for ${name}`, onchange: (e) => { edit(row, "carrier", e.target.value); render(); } },
          options(data.carriers || [], shown(row, "carrier"), "No carrier"))]) : select]),
        el("td", { class: "menu-cell" }, [rowMenu(row)]),
      ]);
    }));
    renderBulk();
  }

  async function load(which) {
    const target = which || kind;
    try {
      state[target].data = await fetchKind(target);
      // Edits on values no longer listed are dropped; the others are kept.
      const present = new Set((state[target].data.values || []).map((r) => r.shopify_value));
      Object.keys(state[target].edits).forEach((v) => { if (!present.has(v)) delete state[target].edits[v]; });
      if (target === kind) render();
    } catch (error) {
      if (error === latestOnly.superseded) return;
      document.getElementById("mappings-body").replaceChildren(el("tr", {}, [el("td", { colspan: "6" }, [
        ui.errorState(`Could not load the mappings: ${error.message}`, () => load())])]));
    }
  }

  // Per-row errors: `errors: [{index, shopify_value, error}]` in the answer, or a whole-save
  // error naming `mappings[i]`.
  function markErrors(which, sent, errors) {
    (errors || []).forEach((e) => {
      const value = e.shopify_value ?? (sent[e.index] && sent[e.index].shopify_value);
      if (value !== undefined) state[which].errors[value] = e.error ? ui.errorWords({ error: e.error }) : "This value could not be saved.";
    });
  }

  async function saveKind(which) {
    const s = state[which];
    const sent = Object.entries(s.edits).map(([value, e]) => {
      const row = (s.data.values || []).find((r) => r.shopify_value === value) || {};
      const item = { shopify_value: value, oms_value: "oms_value" in e ? e.oms_value : row.oms_value ?? null };
      if (which === "shipping_method") item.carrier = "carrier" in e ? e.carrier : row.carrier ?? null;
      return item;
    });
    try {
      const body = await window.omsApi.call(`/api/mappings/${which}`, { method: "PUT", body: { mappings: sent } });
      s.errors = {};
      const failed = new Set((body.errors || []).map((e) => e.shopify_value ?? (sent[e.index] || {}).shopify_value));
      Object.keys(s.edits).forEach((v) => { if (!failed.has(v)) delete s.edits[v]; });
      markErrors(which, sent, body.errors);
      if (body.values) s.data = body;
      if (which === kind) render();
      if (failed.size) throw new Error(`${failed.size} ${NOUN[which]}${failed.size > 1 ? "s" : ""} could not be saved: see the marked rows`);
    } catch (error) {
      const rowErrors = (error.body && error.body.errors) || [];
      const match = /mappings\[(\d+)\][.:]?\s*(.*)/.exec(error.message || "");
      if (!rowErrors.length && match) rowErrors.push({ index: Number(match[1]), error: match[2] || error.message });
      markErrors(which, sent, rowErrors);
      if (which === kind) render();
      if (rowErrors.length) {
        throw new Error(`${rowErrors.length} ${NOUN[which]}${rowErrors.length > 1 ? "s" : ""} could not be saved: see the marked rows`);
      }
      throw error;
    }
  }

  async function importValues() {
    try {
      const result = await ui.act(() => window.omsApi.call("/api/mappings/import", { method: "POST" }),
        (r) => `Found ${Object.values(r.added || {}).reduce((a, b) => a + (+b || 0), 0)} new values`);
      if (result) await Promise.all(Object.keys(state).map((which) => load(which)));
    } catch (error) { /* the toast said it */ }
  }

  ready(function () {
    const card = document.getElementById("mappings-card");
    if (!card) return;
    const kinds = card.dataset.kinds.split(",");
    kinds.forEach((which) => { state[which] = { data: null, edits: {}, errors: {}, selected: new Set() }; });
    kind = kinds[0];
    ui.saveBar.register({
      dirty: () => kinds.some((which) => Object.keys(state[which].edits).length > 0),
      async save() {
        let failed = null;
        for (const which of kinds) {
          if (!Object.keys(state[which].edits).length) continue;
          try { await saveKind(which); } catch (error) { failed = failed || error; }
        }
        if (failed) throw failed;
      },
      discard() { kinds.forEach((which) => { state[which].edits = {}; state[which].errors = {}; }); render(); },
    });
    const tablist = document.getElementById("mapping-tabs");
    if (tablist) {
      const panel = document.getElementById("mapping-panel");
      const control = ui.tabs(tablist, (tab) => {
        kind = tab.dataset.kind;
        panel.setAttribute("aria-labelledby", tab.id);
        if (state[kind].data) render(); else load();
      });
      const wanted = tablist.querySelector(`[data-kind="${(window.location.hash || "").slice(1)}"]`);
      if (wanted) control.select(wanted);
    }
    document.getElementById("bulk-value").addEventListener("change", renderBulk);
    document.getElementById("bulk-apply").addEventListener("click", () => {
      const value = document.getElementById("bulk-value").value;
      rowsOf().filter((r) => k().selected.has(r.shopify_value)).forEach((r) => edit(r, "oms_value", value));
      k().selected.clear();
      render();
      window.omsApi.toast("Mapped: save to apply");
    });
    ui.mainAction(importValues);
    load();
  });
})();
