// The header search box: "/" focuses it; titles are suggested as you type (from /api/v1/search)
// in a combobox: arrow keys move through them, Enter opens one, Escape closes the list.
(function () {
  "use strict";
  var box = document.getElementById("search-q");
  var list = document.getElementById("search-suggestions");
  if (!box) { return; }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      box.focus();
    }
  });
  if (!list || !window.fetch) { return; }
  var timer = null;
  var latest = 0;
  var active = -1;
  function options() { return list.querySelectorAll("[role=option]"); }
  function choose(number) {
    var all = options();
    active = number;
    Array.prototype.forEach.call(all, function (option, index) {
      option.setAttribute("aria-selected", index === number ? "true" : "false");
    });
    if (number >= 0 && all[number]) {
      box.setAttribute("aria-activedescendant", all[number].id);
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  }
  function hide() {
    list.hidden = true;
    list.textContent = "";
    box.setAttribute("aria-expanded", "false");
    choose(-1);
  }
  function show(results) {
    list.textContent = "";
    results.forEach(function (result, number) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      item.id = "search-suggestion-" + number;
      item.setAttribute("aria-selected", "false");
      var link = document.createElement("a");
      link.href = result.url;
      link.textContent = result.title;
      var section = document.createElement("span");
      section.className = "muted";
      section.textContent = " · " + result.section;
      item.appendChild(link);
      item.appendChild(section);
      list.appendChild(item);
    });
    list.hidden = results.length === 0;
    box.setAttribute("aria-expanded", results.length ? "true" : "false");
    active = -1;
  }
  box.addEventListener("input", function () {
    clearTimeout(timer);
    var text = box.value.trim();
    if (text.length < 2) { hide(); return; }
    timer = setTimeout(function () {
      var ticket = ++latest;
      var words = text.split(/\s+/);
      var last = words.pop();
      if (!/[*"]$/.test(last)) { last += "*"; }
      words.push(last);
      fetch(box.getAttribute("data-suggest") + "?limit=6&q=" + encodeURIComponent(words.join(" ")),
            {credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (data) { if (ticket === latest) { show(data.results || []); } })
        .catch(hide);
    }, 200);
  });
  box.addEventListener("keydown", function (event) {
    var count = options().length;
    if (event.key === "Escape") { hide(); return; }
    if (!count || list.hidden) { return; }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (event.key === "ArrowDown") {
        choose(active + 1 >= count ? 0 : active + 1);
      } else {
        choose(active - 1 < 0 ? count - 1 : active - 1);
      }
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.href = options()[active].querySelector("a").href;
    }
  });
  document.addEventListener("click", function (event) {
    if (!list.contains(event.target) && event.target !== box) { hide(); }
  });
})();
