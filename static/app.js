// The connection summary page: the access level control.
(function () {
  "use strict";

  function init() {
    const select = document.getElementById("access-level");
    const message = document.getElementById("access-message");
    if (!select) return;

    select.addEventListener("change", async function () {
      const previous = select.dataset.current;
      const wanted = select.value;
      select.disabled = true;
      message.textContent = "Saving…";
      message.className = "field-help";
      try {
        const shop = await window.omsApi.call("/api/shop", { method: "PATCH", body: { access: wanted } });
        select.dataset.current = shop.access;
        select.value = shop.access;
        message.textContent = "Access level saved.";
        window.omsApi.toast("Access level saved");
      } catch (error) {
        select.value = previous;
        message.textContent = error.message;
        message.className = "field-help field-error";
        window.omsApi.toast(error.message, true);
      } finally {
        select.disabled = false;
      }
    });
    select.disabled = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
