// Small screens: the site links fold behind a "Menu" button, and the page's contents and the
// search filters start folded (without JavaScript everything stays open and reachable).
(function () {
  "use strict";
  var small = window.matchMedia("(max-width: 45rem)");
  var header = document.querySelector(".site-header");
  var button = document.getElementById("menu-button");
  var menu = document.getElementById("site-menu");
  if (header && button && menu) {
    header.classList.add("folding");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("open")) {
        button.setAttribute("aria-expanded", "false");
        menu.classList.remove("open");
        button.focus();
      }
    });
  }
  if (small.matches) {
    document.querySelectorAll("details[data-fold-on-small-screens]").forEach(function (details) {
      details.open = false;
    });
  }
})();
