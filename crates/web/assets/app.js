// Leadforge UI behaviour beyond htmx: small, optional niceties; every page works without it.
(function () {
  "use strict";
  // The evidence page: bring the marked snippet into view even when the browser kept the
  // scroll position of a previous visit.
  document.addEventListener("DOMContentLoaded", function () {
    var mark = document.getElementById("evidence");
    if (mark && window.location.hash === "#evidence") {
      mark.scrollIntoView({ block: "center" });
    }
  });
  // Swapped filter results keep the filter form in step with the URL htmx pushed.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "leads-table") {
      var count = document.getElementById("leads-count");
      if (count) { count.setAttribute("aria-live", "polite"); }
    }
  });
})();
