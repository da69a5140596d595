// The session-token refresh page: get a fresh ID token from App Bridge and reload with it.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("bounce-config").textContent);

  async function reload() {
    if (!window.shopify || typeof window.shopify.idToken !== "function") {
      document.querySelector("[data-testid=bounce] p").textContent =
        "Open this app from Shopify admin.";
      return;
    }
    const token = await window.shopify.idToken();
    const url = new URL(config.reload_url, window.location.href);
    url.searchParams.set("id_token", token);
    window.location.replace(url.toString());
  }
  reload();
})();
