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

  // The groups of the main navigation are <details> and open without this; with it, one
  // group is open at a time, and Escape or a click elsewhere closes it (focus goes back to
  // the group's button on Escape).
  var groups = function () {
    return document.querySelectorAll(".site-nav__disclosure[open]");
  };
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.classList || !opened.classList.contains("site-nav__disclosure") || !opened.open) {
      return;
    }
    groups().forEach(function (group) {
      if (group !== opened) {
        group.open = false;
      }
    });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    groups().forEach(function (group) {
      var hadFocus = group.contains(document.activeElement);
      group.open = false;
      if (hadFocus) {
        group.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    groups().forEach(function (group) {
      if (!group.contains(event.target)) {
        group.open = false;
      }
    });
  });

  // Returning a set or handing one out at the desk: Enter in the scan field ticks the scanned
  // device in place, keeps the focus in the field for the next scan and says what was
  // ticked. Without this, the same Enter sends the form and the server ticks it
  // (booking.desk_views._scanned and _hand_out_scanned).
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || (field.id !== "id_return_scan" && field.id !== "id_scan")) {
      return;
    }
    var form = field.closest("[data-return-scan], [data-hand-out-scan]");
    var code = field.value.trim().toUpperCase();
    if (!form || !code) {
      return;
    }
    var found = null;
    form.querySelectorAll("[data-codes]").forEach(function (item) {
      if (item.getAttribute("data-codes").split(" ").indexOf(code) !== -1) {
        found = item;
      }
    });
    if (!found) {
      return; // the server says what is wrong with the code
    }
    event.preventDefault();
    found.querySelector("input[type=checkbox]").checked = true;
    var ticked = [];
    form.querySelectorAll("[data-codes]").forEach(function (item) {
      if (item.querySelector("input[type=checkbox]").checked) {
        ticked.push(item.getAttribute("data-device"));
      }
    });
    var status = document.getElementById("scan-status");
    status.textContent = status.getAttribute("data-ticked-template") + " " + ticked.join(", ") +
      " (" + ticked.length + "/" + form.querySelectorAll("[data-codes]").length + ")";
    field.value = "";
    field.focus();
  });
})();
