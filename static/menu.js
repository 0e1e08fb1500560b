// The header menu on small screens: the site links fold behind a "Menu" button (without
// JavaScript they stay open, so every link is still reachable).
(function () {
  "use strict";
  var header = document.querySelector(".site-header");
  var button = document.getElementById("menu-button");
  var menu = document.getElementById("site-menu");
  if (!header || !button || !menu) { return; }
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
})();
