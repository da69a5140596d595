// Locations and facilities: import, map to a facility, create a facility, choose the default.
(function () {
  "use strict";
  const { el, ready, latestOnly } = window.omsDom;
  const fetchLocations = latestOnly(() => window.omsApi.call("/api/locations"));

  function list(body) {
    return Array.isArray(body) ? body : (body && (body.locations || body.items)) || [];
  }

  async function act(promise, message) {
    try {
      await promise;
      window.omsApi.toast(message);
    } catch (error) {
      window.omsApi.toast(error.message, true);
    }
    refresh();
  }

  function put(location, body, message) {
    return act(window.omsApi.call(`/api/locations/${encodeURIComponent(location.id)}`, { method: "PUT", body: body }), message);
  }

  function row(location) {
    const facility = el("input", { type: "text", value: location.facility_id || "", placeholder: "OMS facility id",
      "data-testid": "facility-id", "aria-label": `Facility for ${location.name}` });
    const save = el("button", { type: "button", class: "secondary", text: "Map",
      onclick: () => put(location, { facility_id: facility.value.trim() || null }, "Mapping saved") });
    const create = el("button", { type: "button", class: "secondary", text: "Create facility",
      "data-testid": "create-facility", disabled: !!location.facility_id,
      onclick: () => act(window.omsApi.call(`/api/locations/${encodeURIComponent(location.id)}/facility`, { method: "POST" }), "Facility created") });
    const isDefault = el("input", { type: "radio", name: "default-location", checked: !!location.default,
      "data-testid": "default", "aria-label": `Default: ${location.name}`,
      onchange: () => put(location, { default: true }, "Default location saved") });
    const name = location.shopify_admin_url
      ? el("a", { href: location.shopify_admin_url, target: "_top", rel: "noopener", text: location.name })
      : el("span", { text: location.name });
    return el("tr", { "data-location": location.id, class: location.active === false ? "inactive-row" : "" }, [
      el("td", {}, [name, location.active === false ? el("span", { class: "subdued", text: " (inactive)" }) : null]),
      el("td", { text: location.fulfills_online_orders ? "Yes" : "No" }),
      el("td", { class: "facility-cell" }, [facility, save]),
      el("td", {}, [isDefault]),
      el("td", {}, [create]),
    ]);
  }

  async function refresh() {
    const body = document.getElementById("locations-body");
    if (!body) return;
    try {
      const locations = list(await fetchLocations());
      body.replaceChildren(...(locations.length
        ? locations.map(row)
        : [el("tr", {}, [el("td", { colspan: "5", class: "subdued", text: "No locations yet: import them from Shopify." })])]));
    } catch (error) {
      if (error === latestOnly.superseded) return;
      body.replaceChildren(el("tr", {}, [el("td", { colspan: "5", class: "field-error", text: `Could not load locations: ${error.message}` })]));
    }
  }

  ready(function () {
    const button = document.getElementById("import-locations");
    if (button) {
      button.addEventListener("click", () => act(window.omsApi.call("/api/locations/import", { method: "POST" }), "Locations imported"));
      button.disabled = false;
    }
    refresh();
  });
})();
