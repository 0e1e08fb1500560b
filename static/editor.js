// The editor, enhanced: a formatting toolbar with keyboard shortcuts, a wiki-link picker whose
// titles come from the search API, a live preview from the start, and drafts kept in this
// browser (localStorage) and offered back when the page is opened again. Without JavaScript
// the form works as it is.
(function () {
  "use strict";
  var body = document.querySelector("textarea[data-preview]");
  if (!body) { return; }
  var form = body.form;
  var token = form.querySelector("input[name=csrf_token]");
  var summary = form.querySelector("input[name=summary]");
  var base = form.querySelector("input[name=base_revision_id]");
  var section = form.querySelector("input[name=section]");

  // --- live preview -------------------------------------------------------------------
  var target = document.getElementById("preview");
  var previewTimer = null;
  function refreshPreview() {
    if (!target || !window.fetch) { return; }
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

  // --- toolbar --------------------------------------------------------------------------
  function surround(before, after, placeholder) {
    var start = body.selectionStart, end = body.selectionEnd;
    var chosen = body.value.slice(start, end) || placeholder;
    body.setRangeText(before + chosen + after, start, end, "end");
    body.setSelectionRange(start + before.length, start + before.length + chosen.length);
    body.focus();
    changed();
  }
  function atLineStart(prefix) {
    var start = body.selectionStart;
    var lineStart = body.value.lastIndexOf("\n", start - 1) + 1;
    body.setRangeText(prefix, lineStart, lineStart, "end");
    body.focus();
    changed();
  }
  function insertBlock(text) {
    var start = body.selectionStart;
    var gap = start > 0 && body.value[start - 1] !== "\n" ? "\n\n" : "";
    body.setRangeText(gap + text, start, body.selectionEnd, "end");
    body.focus();
    changed();
  }
  var picker = null;
  var actions = [
    {label: "Bold", key: "b", run: function () { surround("**", "**", "bold text"); }},
    {label: "Italic", key: "i", run: function () { surround("_", "_", "italic text"); }},
    {label: "Heading", run: function () { atLineStart("## "); }},
    {label: "Link", key: "k", run: function () { surround("[", "](https://)", "link text"); }},
    {label: "Wiki link", run: function () { openPicker(); }},
    {label: "List", run: function () { atLineStart("- "); }},
    {label: "Table", run: function () {
      insertBlock("| Column | Column |\n|---|---|\n| Cell | Cell |\n");
    }},
    {label: "Image", run: function () { openUpload(); }}
  ];
  var bar = document.createElement("div");
  bar.className = "toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Formatting");
  bar.setAttribute("aria-controls", body.id);
  actions.forEach(function (action, number) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = action.label;
    button.tabIndex = number === 0 ? 0 : -1;
    if (action.key) {
      button.setAttribute("aria-keyshortcuts", "Control+" + action.key.toUpperCase());
      button.title = action.label + " (Ctrl+" + action.key.toUpperCase() + ")";
    }
    button.addEventListener("click", action.run);
    bar.appendChild(button);
  });
  bar.addEventListener("keydown", function (event) {
    var buttons = Array.prototype.slice.call(bar.querySelectorAll("button"));
    var here = buttons.indexOf(document.activeElement);
    var next = {ArrowRight: here + 1, ArrowLeft: here - 1, Home: 0, End: buttons.length - 1}[event.key];
    if (next === undefined || here < 0) { return; }
    event.preventDefault();
    next = (next + buttons.length) % buttons.length;
    buttons[here].tabIndex = -1;
    buttons[next].tabIndex = 0;
    buttons[next].focus();
  });
  body.parentNode.insertBefore(bar, body);
  body.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) { return; }
    actions.forEach(function (action) {
      if (action.key && event.key.toLowerCase() === action.key) {
        event.preventDefault();
        action.run();
      }
    });
  });

  // --- wiki-link picker (titles from the search API) -----------------------------------
  function openPicker() {
    if (picker) { picker.querySelector("input").focus(); return; }
    picker = document.createElement("div");
    picker.className = "wikilink-picker";
    picker.innerHTML = '<label for="wikilink-title">Link to the page titled</label> ' +
      '<input id="wikilink-title" type="text" list="wikilink-titles" autocomplete="off"> ' +
      '<datalist id="wikilink-titles"></datalist> ' +
      '<button type="button">Insert link</button> <button type="button" class="secondary">Cancel</button>';
    bar.parentNode.insertBefore(picker, body);
    var input = picker.querySelector("input");
    var list = picker.querySelector("datalist");
    var buttons = picker.querySelectorAll("button");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var words = input.value.trim();
      if (words.length < 2 || !window.fetch) { return; }
      timer = setTimeout(function () {
        var query = "title:" + words.split(/\s+/).map(function (word) {
          return word.replace(/[^\w'-]/g, "");
        }).filter(Boolean).join(" title:") + "*";
        fetch(body.getAttribute("data-titles") + "?limit=8&q=" + encodeURIComponent(query),
              {credentials: "same-origin"})
          .then(function (response) { return response.json(); })
          .then(function (data) {
            list.textContent = "";
            (data.results || []).forEach(function (result) {
              var option = document.createElement("option");
              option.value = result.title;
              list.appendChild(option);
            });
          }).catch(function () {});
      }, 200);
    });
    function close() { picker.remove(); picker = null; body.focus(); }
    function insert() {
      var title = input.value.trim().replace(/[\[\]|]/g, "");
      if (title) {
        body.setSelectionRange(body.selectionEnd, body.selectionEnd);
        surround("[[" + title, "]]", "");
      }
      close();
    }
    buttons[0].addEventListener("click", insert);
    buttons[1].addEventListener("click", close);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); insert(); }
      if (event.key === "Escape") { event.preventDefault(); close(); }
    });
    input.focus();
  }

  // --- uploads (an image or a PDF, sent to /media/new, put in the text at the cursor) -----
  var upload = null;
  function openUpload() {
    if (upload) { upload.querySelector("input").focus(); return; }
    upload = document.createElement("div");
    upload.className = "upload-picker";
    upload.innerHTML = '<label for="upload-file">Image or PDF</label> ' +
      '<input id="upload-file" type="file" accept="image/png,image/jpeg,image/webp,image/gif,application/pdf"> ' +
      '<label for="upload-alt">What it shows, for readers who cannot see it</label> ' +
      '<input id="upload-alt" type="text" maxlength="300"> ' +
      '<button type="button">Upload and insert</button> <button type="button" class="secondary">Cancel</button>' +
      '<p class="field-error" role="alert"></p>';
    bar.parentNode.insertBefore(upload, body);
    var buttons = upload.querySelectorAll("button");
    var problem = upload.querySelector("p");
    function close() { upload.remove(); upload = null; body.focus(); }
    buttons[0].addEventListener("click", function () {
      var chosen = upload.querySelector("#upload-file").files[0];
      if (!chosen) { problem.textContent = "Choose a file first."; return; }
      var data = new FormData();
      data.append("file", chosen);
      data.append("alt", upload.querySelector("#upload-alt").value);
      data.append("csrf_token", token ? token.value : "");
      buttons[0].disabled = true;
      fetch(body.getAttribute("data-upload"), {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"Accept": "application/json", "X-CSRFToken": token ? token.value : ""}
      }).then(function (response) { return response.json(); })
        .then(function (answer) {
          buttons[0].disabled = false;
          if (answer.error) { problem.textContent = answer.error; return; }
          body.setSelectionRange(body.selectionEnd, body.selectionEnd);
          close();
          surround(answer.markdown, "", "");
        })
        .catch(function () {
          buttons[0].disabled = false;
          problem.textContent = "The upload failed; try again.";
        });
    });
    buttons[1].addEventListener("click", close);
    upload.querySelector("#upload-file").focus();
  }

  // --- drafts kept in this browser -------------------------------------------------------
  var key = "handbook-draft:" + location.pathname + (section && section.value ? "#" + section.value : "");
  var saveTimer = null;
  var sent = false;
  function storage() {
    try { return window.localStorage; } catch (error) { return null; }
  }
  function saveDraft() {
    var store = storage();
    if (!store || sent) { return; }
    try {
      store.setItem(key, JSON.stringify({
        body: body.value, summary: summary ? summary.value : "",
        base: base ? base.value : "", saved: Date.now()
      }));
    } catch (error) { /* full or refused: the form still holds the text */ }
  }
  function changed() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 600);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveDraft, 800);
  }
  function offerDraft() {
    var store = storage();
    var draft = null;
    try { draft = store && JSON.parse(store.getItem(key) || "null"); } catch (error) { draft = null; }
    if (!draft || typeof draft.body !== "string" || draft.body === body.value) { return; }
    var when = new Date(draft.saved);
    var offer = document.createElement("div");
    offer.className = "notice draft-offer";
    offer.setAttribute("role", "status");
    var text = document.createElement("p");
    text.textContent = "Restore your unsent draft from " +
      when.toLocaleString([], {day: "numeric", month: "long", hour: "2-digit", minute: "2-digit"}) + "?";
    var restore = document.createElement("button");
    restore.type = "button";
    restore.textContent = "Restore the draft";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "secondary";
    discard.textContent = "Discard it";
    text.appendChild(document.createTextNode(" "));
    offer.appendChild(text);
    offer.appendChild(restore);
    offer.appendChild(document.createTextNode(" "));
    offer.appendChild(discard);
    form.insertBefore(offer, form.firstChild);
    restore.addEventListener("click", function () {
      body.value = draft.body;
      if (summary) { summary.value = draft.summary || ""; }
      // the draft was written from its own version: the server merges what changed since
      if (base && draft.base) { base.value = draft.base; }
      offer.remove();
      body.focus();
      refreshPreview();
    });
    discard.addEventListener("click", function () {
      store.removeItem(key);
      offer.remove();
      body.focus();
    });
  }
  body.addEventListener("input", changed);
  if (summary) { summary.addEventListener("input", function () { clearTimeout(saveTimer); saveTimer = setTimeout(saveDraft, 800); }); }
  form.addEventListener("submit", function () {
    sent = true;
    clearTimeout(saveTimer);
    var store = storage();
    if (store) { store.removeItem(key); }
  });
  offerDraft();
  refreshPreview();
})();
