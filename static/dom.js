// Tiny DOM helpers: build elements from data without innerHTML (no markup injection).
(function () {
  "use strict";
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function when(value) {
    if (!value) return "never";
    const date = new Date(value);
    return isNaN(date) ? String(value) : date.toLocaleString();
  }
  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }
  // Wraps a fetch so that only the answer to the latest call is used: a slow answer
  // to an earlier load must not overwrite what a later one (after an action) showed.
  function latestOnly(fetcher) {
    let generation = 0;
    return async function () {
      const mine = ++generation;
      const result = await fetcher.apply(this, arguments);
      if (mine !== generation) throw latestOnly.superseded;
      return result;
    };
  }
  latestOnly.superseded = new Error("superseded by a later load");
  window.omsDom = { el: el, when: when, ready: ready, latestOnly: latestOnly };
})();
