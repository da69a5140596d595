// Inventory: the push (switch, interval, push now, live progress), where stock goes
// (the default location and every mapped one), warnings the API gives, recent pushes.
(function () {
  "use strict";
  const { el, ready } = window.omsDom;
  const ui = window.omsUi;
  const flows = window.omsFlows;

  function warningText(w) { return typeof w === "string" ? w : (w && (w.message || w.warning || w.text)) || ""; }

  // The way out of a warning, each after the merchant confirms (the API asks for it too).
  const FIXES = {
    zero_levels: (l) => ({
      label: `Set our stock at ${l.name} to 0`, title: `Set the stock we pushed at ${l.name} to 0?`,
      message: `Shopify will show 0 available at ${l.name} for the items we pushed there, so online stock is not counted twice. Levels changed in Shopify since we set them are left as they are.`,
      confirm: "Set to 0", path: "zero_levels" }),
    stop_online_selling: (l) => ({
      label: `Stop online orders at ${l.name}`, title: `Stop ${l.name} fulfilling online orders?`,
      message: `Shopify will no longer send online orders to ${l.name}; its stock stops counting for online sales.`,
      confirm: "Stop online orders", path: "stop_online_selling" }),
  };

  function wayOut(warning) {
    const buttons = warning.actions.filter((a) => FIXES[a] && warning.location).map((action) => {
      const fix = FIXES[action](warning.location);
      return el("button", { type: "button", class: "secondary", "data-testid": `fix-${action}`, text: fix.label,
        onclick: async () => {
          if (!(await ui.confirmDialog(fix.title, fix.message, fix.confirm, true))) return;
          const gid = encodeURIComponent(warning.location.id);  // as the Locations page sends it
          await ui.act(() => window.omsApi.call(`/api/locations/${gid}/${fix.path}`, { method: "POST", body: { confirm: true } }),
            (answer) => (answer && answer.message) || "Done").catch(() => {});
          loadLocations();
        } });
    });
    return buttons.concat([el("a", { href: "/locations", class: "button-link", text: "Review locations" })]);
  }

  async function loadLocations() {
    const body = document.getElementById("inventory-locations");
    try {
      const [answer, pushed] = await Promise.all([window.omsApi.call("/api/locations"),
        window.omsApi.call("/api/inventory/locations").catch(() => ({ locations: [] }))]);
      const byLocation = Object.fromEntries((pushed.locations || []).map((p) => [p.id, p]));
      const locations = Array.isArray(answer) ? answer : (answer && answer.locations) || [];
      const general = ((answer && !Array.isArray(answer) && answer.warnings) || []).map((w) => ({ text: warningText(w), actions: [] }));
      const perLocation = [].concat(...locations.map((l) => (l.warnings || []).map((w) => ({
        text: `${l.name}: ${warningText(w)}`, location: l, actions: (w && w.actions) || [] }))));
      document.getElementById("location-warnings").replaceChildren(...general.concat(perLocation).filter((w) => w.text).map((w) =>
        el("div", { class: "banner banner-warning", role: "status", "data-testid": "location-warning" }, [ui.icon("AlertTriangleIcon"),
          el("span", { text: w.text }), ...wayOut(w)])));
      const mapped = locations.filter((l) => l.facility_id || l.default);
      body.replaceChildren(...(mapped.length ? mapped.map((l) => el("tr", { "data-location": l.id }, [
        el("td", {}, [el("span", { text: l.name }), l.default ? el("span", { class: "badge badge-active", text: "Default" }) : null]),
        el("td", { text: l.facility_id || "No facility" }),
        el("td", { text: l.default ? "The sum over the facilities that sell online" : l.facility_id ? `The stock of ${l.facility_id}` : "Nothing" }),
        el("td", { "data-testid": "last-push", text: byLocation[l.id]
          ? `${ui.number(byLocation[l.id].levels)} stock levels, ${ui.number(byLocation[l.id].units)} units · ${ui.when(byLocation[l.id].last_pushed_at)}`
          : "Not pushed yet" }),
      ])) : [el("tr", {}, [el("td", { colspan: "4" }, [ui.emptyState("No location is mapped yet",
        "Map your Shopify locations to OMS facilities before the first push.", el("a", { href: "/locations", class: "button-link", text: "Map locations" }))])])]));
    } catch (error) {
      body.replaceChildren(el("tr", {}, [el("td", { colspan: "4" }, [ui.errorState(`Could not load locations: ${error.message}`, loadLocations)])]));
    }
  }

  ready(function () {
    flows.mountCard("inventory", document.getElementById("flow-inventory"));
    flows.mountRuns("inventory", document.getElementById("runs-body"));
    ui.mainAction(() => flows.runNow("inventory", null, "Inventory push queued: it starts within seconds").catch(() => {}));
    let lastPush = null;
    flows.subscribe(() => { // a push finished: what each location holds changed
      const run = flows.view("inventory").last_run;
      const id = run ? run.id : 0;
      if (id !== lastPush) { lastPush = id; loadLocations(); }
    });
    flows.refresh();
  });
})();
