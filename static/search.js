// The header search box: "/" focuses it; titles are suggested as you type (from /api/v1/search).
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
  function hide() { list.hidden = true; list.textContent = ""; }
  function show(results) {
    list.textContent = "";
    results.forEach(function (result) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
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
  box.addEventListener("keydown", function (event) { if (event.key === "Escape") { hide(); } });
  document.addEventListener("click", function (event) {
    if (!list.contains(event.target) && event.target !== box) { hide(); }
  });
})();
