// Calls to the app's JSON API with an App Bridge session token.
// App Bridge also adds the header to fetch calls by itself; asking for the
// token explicitly keeps the page working with any App Bridge version.
(function () {
  "use strict";

  async function sessionToken() {
    if (window.shopify && typeof window.shopify.idToken === "function") {
      return window.shopify.idToken();
    }
    throw new Error("App Bridge is not loaded: open the app from Shopify admin.");
  }

  async function call(path, options, retried) {
    const opts = Object.assign({ method: "GET", headers: {} }, options || {});
    const headers = new Headers(opts.headers);
    headers.set("Authorization", "Bearer " + (await sessionToken()));
    headers.set("Accept", "application/json");
    if (opts.body && typeof opts.body !== "string") {
      headers.set("Content-Type", "application/json");
      opts.body = JSON.stringify(opts.body);
    }
    opts.headers = headers;
    const response = await fetch(path, opts);
    if (response.status === 401 && !retried &&
        response.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1") {
      return call(path, options, true);
    }
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const error = new Error((body && body.error) || ("Request failed: " + response.status));
      error.status = response.status;
      error.body = body; // per-row `errors` of a mapping save, say
      throw error;
    }
    return body;
  }

  function toast(message, isError) {
    if (window.shopify && window.shopify.toast) {
      window.shopify.toast.show(message, { isError: !!isError });
    }
  }

  window.omsApi = { call: call, toast: toast };
})();
