// Live preview for the editor: posts the draft to /preview and shows the sanitized HTML.
(function () {
  "use strict";
  var body = document.querySelector("textarea[data-preview]");
  var target = document.getElementById("preview");
  if (!body || !target || !window.fetch) { return; }
  var form = body.form;
  var token = form.querySelector("input[name=csrf_token]");
  var timer = null;
  function refresh() {
    var data = new URLSearchParams();
    data.set("body", body.value);
    data.set("csrf_token", token ? token.value : "");
    fetch(body.getAttribute("data-preview"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-CSRFToken": token ? token.value : ""}
    }).then(function (response) { return response.text(); })
      .then(function (html) { target.innerHTML = html; })
      .catch(function () {});
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 600);
  });
})();
