// Customer privacy requests: list them, download what a data request found.
(function () {
  "use strict";
  const { el, when, ready } = window.omsDom;
  const LABELS = { "customers/data_request": "Data request", "customers/redact": "Redaction" };

  async function download(request) {
    try {
      const full = await window.omsApi.call(`/api/privacy/requests/${request.id}`);
      const blob = new Blob([JSON.stringify(full, null, 2)], { type: "application/json" });
      const link = el("a", { href: URL.createObjectURL(blob), download: `customer-${request.customer_id || request.id}-data.json` });
      document.body.appendChild(link);
      link.click();
      link.remove();
    } catch (error) {
      window.omsApi.toast(error.message, true);
    }
  }

  ready(async function () {
    const body = document.getElementById("privacy-body");
    if (!body) return;
    try {
      const { requests } = await window.omsApi.call("/api/privacy/requests");
      body.replaceChildren(...(requests.length ? requests.map((r) => el("tr", { "data-request": r.id }, [
        el("td", { text: when(r.received_at) }),
        el("td", { text: LABELS[r.topic] || r.topic }),
        el("td", { text: r.customer_email || r.customer_id || "" }),
        el("td", { text: String((r.orders_requested || []).length) }),
        el("td", {}, [r.topic === "customers/data_request"
          ? el("button", { type: "button", class: "secondary", text: "Download", "data-testid": "download",
            onclick: () => download(r) }) : el("span", { class: "subdued", text: r.completed_at ? "Done" : "Pending" })]),
      ])) : [el("tr", {}, [el("td", { colspan: "5", class: "subdued", text: "No requests." })])]));
    } catch (error) {
      body.replaceChildren(el("tr", {}, [el("td", { colspan: "5", class: "field-error", text: error.message })]));
    }
  });
})();
