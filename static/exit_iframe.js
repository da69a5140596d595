// Leave Shopify admin's iframe: OAuth's consent screen cannot be framed.
(function () {
  "use strict";
  const target = JSON.parse(document.getElementById("exit-config").textContent).target;
  if (window.top === window.self) {
    window.location.assign(target);
  } else {
    window.open(target, "_top");
  }
})();
