// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // After htmx swaps a region, tell screen readers what changed: the swapped region may
  // carry data-announce="…", which goes into the page's polite live region. With an
  // outerHTML swap the old element is gone, so the new one is looked up by its id.
  document.addEventListener("htmx:afterSettle", function (event) {
    var old = event.detail.target;
    var region = (old.id && document.getElementById(old.id)) || old;
    var source = region.hasAttribute("data-announce") ? region : region.querySelector("[data-announce]");
    var live = document.getElementById("live-announcer");
    if (source && live) {
      live.textContent = source.getAttribute("data-announce");
    }
    if (region.hasAttribute("data-focus-after-swap")) {
      region.focus();
    }
  });
})();
