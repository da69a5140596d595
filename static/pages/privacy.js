// Customer privacy requests: list them, download what a data request found. A customer
// whose redaction was applied is shown without their email.
(function () {
  "use strict";
  const { el, ready } = window.omsDom;
  const ui = window.omsUi;
  const LABELS = { "customers/data_request": "Data request", "customers/redact": "Redaction" };

  async function download(request) {
    try {
      const full = await ui.act(() => window.omsApi.call(`/api/privacy/requests/${request.id}`));
      const blob = new Blob([JSON.stringify(full, null, 2)], { type: "application/json" });
      const link = el("a", { href: URL.createObjectURL(blob), download: `customer-${request.id}-data.json` });
      document.body.appendChild(link);
      link.click();
      link.remove();
    } catch (error) { /* the toast said it */ }
  }

  async function load() {
    const body = document.getElementById("privacy-body");
    try {
      const { requests } = await window.omsApi.call("/api/privacy/requests");
      const redacted = new Set(requests.filter((r) => r.topic === "customers/redact" && r.completed_at).map((r) => r.customer_id));
      const who = (r) => (redacted.has(r.customer_id) ? "Redacted customer" : r.customer_email || "Customer");
      body.replaceChildren(...(requests.length ? requests.map((r) => el("tr", { "data-request": r.id }, [
        el("td", { text: ui.when(r.received_at) }),
        el("td", { text: LABELS[r.topic] || "Request" }),
        el("td", { "data-testid": "customer", text: who(r) }),
        el("td", { text: String((r.orders_requested || []).length) }),
        el("td", {}, [r.topic === "customers/data_request" && !r.purged_at
          ? el("button", { type: "button", class: "secondary", text: "Download", "data-testid": "download",
            "aria-label": `Download the data request received ${ui.when(r.received_at)}`, onclick: () => download(r) })
          : el("span", { class: "subdued", text: r.completed_at ? "Done" : "In progress" })]),
      ])) : [el("tr", {}, [el("td", { colspan: "5" }, [ui.emptyState("No requests", "Requests Shopify sends for your customers appear here.")])])]));
    } catch (error) {
      body.replaceChildren(el("tr", {}, [el("td", { colspan: "5" }, [ui.errorState(`Could not load the requests: ${error.message}`, load)])]));
    }
  }

  ready(load);
})();
