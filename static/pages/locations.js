// Locations: import, pick a facility from a list (saved with the save bar, after
// confirming when it is mapped elsewhere), create a facility, choose the default, remove,
// each from a row's overflow menu; warnings the API gives, shown in words.
(function () {
  "use strict";
  const { el, ready, latestOnly } = window.omsDom;
  const ui = window.omsUi;
  const fetchAll = latestOnly(() => Promise.all([window.omsApi.call("/api/locations"),
    window.omsApi.call("/api/facilities").catch(() => ({ facilities: [] }))]));
  let locations = [];
  let facilities = [];
  let warnings = [];
  const edits = {}; // location id -> facility id ("" to unmap)
  const errors = {};

  function list(body) { return Array.isArray(body) ? body : (body && (body.locations || body.items)) || []; }
  function warningText(w) { return typeof w === "string" ? w : (w && (w.message || w.warning || w.text)) || ""; }
  function holder(facilityId, except) {
    return locations.find((l) => l.facility_id === facilityId && l.id !== except);
  }

  function renderWarnings() {
    const box = document.getElementById("location-warnings");
    const all = warnings.concat(...locations.map((l) => (l.warnings || []).map((w) => `${l.name}: ${warningText(w)}`)));
    box.replaceChildren(...all.map(warningText).filter(Boolean).map((text) =>
      el("div", { class: "banner banner-warning", role: "status", "data-testid": "location-warning" }, [ui.icon("AlertTriangleIcon"), el("span", { text })])));
  }

  async function act(work, message) {
    try { await ui.act(work, message); } catch (error) { /* the toast said it */ }
    load();
  }
  const path = (loc) => `/api/locations/${encodeURIComponent(loc.id)}`;

  function row(loc) {
    const current = loc.id in edits ? edits[loc.id] : loc.facility_id || "";
    const select = el("select", { "data-testid": "facility", "aria-label": `OMS facility for ${loc.name}`,
      onchange: (e) => {
        if (e.target.value === (loc.facility_id || "")) delete edits[loc.id]; else edits[loc.id] = e.target.value;
        delete errors[loc.id];
        ui.saveBar.changed();
        render();
      } }, [el("option", { value: "", text: "No facility", selected: !current })].concat(facilities.map((f) => {
      const other = holder(f.id, loc.id);
      return el("option", { value: f.id, selected: f.id === current,
        text: `${f.name && f.name !== f.id ? `${f.name} (${f.id})` : f.id}${other ? ` · now at ${other.name}` : ""}` });
    })));
    const name = loc.shopify_admin_url
      ? el("a", { href: loc.shopify_admin_url, target: "_top", rel: "noopener", "aria-label": `${loc.name}, open in Shopify admin` },
        [el("span", { text: loc.name }), ui.icon("ExternalSmallIcon")])
      : el("span", { text: loc.name });
    const canDefault = loc.fulfills_online_orders && loc.active !== false;
    const menu = ui.menu(`More actions for ${loc.name}`, [
      { label: "Create a facility from this location", disabled: !!loc.facility_id,
        onSelect: () => act(() => window.omsApi.call(`${path(loc)}/facility`, { method: "POST" }), `Facility created for ${loc.name}`) },
      { label: canDefault ? "Make the default location" : "Make the default location (it must fulfil online orders)",
        disabled: !canDefault || !!loc.default,
        onSelect: () => act(() => window.omsApi.call(path(loc), { method: "PUT", body: { default: true } }), `${loc.name} is now the default location`) },
      { label: "Remove the facility mapping", critical: true, disabled: !loc.facility_id,
        onSelect: async () => {
          if (await ui.confirmDialog(`Remove the facility from ${loc.name}?`,
            "The app stops pushing that facility's stock to this location.", "Remove", true)) {
            act(() => window.omsApi.call(path(loc), { method: "PUT", body: { facility_id: null } }), `Facility removed from ${loc.name}`);
          }
        } },
    ]);
    return el("tr", { "data-location": loc.id, class: [loc.active === false ? "inactive-row" : "", loc.id in edits ? "changed-row" : ""].join(" ").trim() }, [
      el("td", {}, [name, loc.active === false ? el("span", { class: "subdued", text: " (inactive)" }) : null,
        errors[loc.id] ? el("p", { class: "field-error", role: "alert", "data-testid": "row-error", text: errors[loc.id] }) : null]),
      el("td", { class: "hide-narrow", text: loc.fulfills_online_orders ? "Yes" : loc.pos ? "No (point of sale)" : "No" }),
      el("td", {}, [select]),
      el("td", {}, [loc.default ? el("span", { class: "badge badge-active", "data-testid": "default-badge", text: "Default" }) : null]),
      el("td", { class: "menu-cell" }, [menu]),
    ]);
  }

  function render() {
    const body = document.getElementById("locations-body");
    document.getElementById("locations-count").textContent = locations.length ? `${locations.length} locations` : "";
    body.replaceChildren(...(locations.length ? locations.map(row) : [el("tr", {}, [el("td", { colspan: "5" }, [
      ui.emptyState("No locations yet", "Import them from Shopify to map each to an OMS facility.",
        el("button", { type: "button", class: "secondary", text: "Import locations", onclick: importNow }))])])]));
    renderWarnings();
  }

  async function load() {
    try {
      const [body, facilityBody] = await fetchAll();
      locations = list(body);
      warnings = (body && !Array.isArray(body) && body.warnings) || [];
      facilities = facilityBody.facilities || [];
      render();
    } catch (error) {
      if (error === latestOnly.superseded) return;
      document.getElementById("locations-body").replaceChildren(el("tr", {}, [el("td", { colspan: "5" }, [
        ui.errorState(`Could not load locations: ${error.message}`, load)])]));
    }
  }

  function importNow() { return act(() => window.omsApi.call("/api/locations/import", { method: "POST" }), "Locations imported"); }

  ui.saveBar.register({
    dirty: () => Object.keys(edits).length > 0,
    async save() {
      let failed = null;
      for (const [id, facility] of Object.entries(edits)) {
        const loc = locations.find((l) => l.id === id);
        if (!loc) { delete edits[id]; continue; }
        const other = facility && holder(facility, id);
        if (other && !(await ui.confirmDialog(`Take ${facility} from ${other.name}?`,
          `${facility} is mapped to ${other.name}. Mapping it to ${loc.name} removes it from ${other.name}.`, "Take it"))) {
          failed = failed || new Error("Not saved: the facility stays where it is");
          continue;
        }
        try {
          const put = (take) => window.omsApi.call(path(loc), { method: "PUT",
            body: take ? { facility_id: facility || null, take: true } : { facility_id: facility || null } });
          let answer;
          try {
            answer = await put(Boolean(other));  // confirmed above: the API moves it only when told so
          } catch (error) {
            // Mapped elsewhere since the list was read: the API says where; ask, then take it.
            if (error.status !== 409 || !facility || !(await ui.confirmDialog(`Take ${facility}?`,
              error.message, "Take it"))) throw error;
            answer = await put(true);
          }
          if (answer && answer.message) window.omsApi.toast(answer.message);
          delete edits[id];
          delete errors[id];
          if (answer && answer.warnings) warnings = answer.warnings;
        } catch (error) {
          errors[id] = error.message;
          failed = failed || error;
        }
      }
      await load();
      if (failed) throw failed;
    },
    discard() { Object.keys(edits).forEach((id) => delete edits[id]); Object.keys(errors).forEach((id) => delete errors[id]); render(); },
  });

  ready(function () {
    ui.mainAction(importNow);
    load();
  });
})();
