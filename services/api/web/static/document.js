// The document page: while the newest version's text is being extracted, ask
// for its state every two seconds and show the page again once it has ended
// (with its preview, or its error). Without this script a reload does the same.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("[data-follow]");
  if (!section || section.getAttribute("data-state") !== "pending") return;
  const ask = async () => {
    try {
      const answer = await fetch(section.getAttribute("data-follow"), {headers: {Accept: "application/json"}});
      if (answer.ok && (await answer.json()).state !== "pending") {
        window.location.reload();
        return;
      }
    } catch (_) { /* the connection failed: ask again */ }
    window.setTimeout(ask, 2000);
  };
  window.setTimeout(ask, 2000);
});
