// Small progressive help for the page; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // a form or button that changes something important asks first (data-confirm="…")
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    const ask = (event) => {
      if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
    };
    el.addEventListener(el.tagName === "FORM" ? "submit" : "click", ask);
  });
  // print buttons (a certificate)
  document.querySelectorAll("[data-print]").forEach((el) => {
    el.addEventListener("click", () => window.print());
  });
});
