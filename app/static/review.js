// The review page and the upload form: row actions without reloads, keyboard shortcuts,
// dialogs for edit / flag / search, upload progress, and polling while a workbook is processed.
(function () {
  "use strict";

  // --- polling while the workbook is queued or running -------------------------------------
  var poll = document.querySelector("[data-poll-seconds]");
  if (poll) {
    var seconds = parseFloat(poll.getAttribute("data-poll-seconds")) || 2;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }

  // --- upload with a progress bar ------------------------------------------------------------
  var upload = document.getElementById("upload-form");
  if (upload && window.XMLHttpRequest && window.FormData) {
    upload.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = document.getElementById("upload-status");
      var bar = document.getElementById("upload-bar");
      var label = document.getElementById("upload-label");
      var button = upload.querySelector("button[type=submit]");
      status.hidden = false;
      button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", upload.action);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          bar.max = e.total;
          bar.value = e.loaded;
          label.textContent = "Uploading… " + Math.round((100 * e.loaded) / e.total) + "%";
        }
      };
      xhr.upload.onload = function () {
        bar.removeAttribute("value");  // indeterminate: the server is reading and matching
        label.textContent = "Processing: finding questions, matching and filling…";
      };
      xhr.onload = function () {
        if (xhr.status < 400 && xhr.responseURL && xhr.responseURL.indexOf("/questionnaires/") !== -1) {
          window.location.assign(xhr.responseURL);
          return;
        }
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var error = doc.querySelector(".error");
        label.textContent = error ? error.textContent : "The upload failed (" + xhr.status + ").";
        label.className = "error";
        button.disabled = false;
      };
      xhr.onerror = function () {
        label.textContent = "The upload failed: the connection was lost.";
        label.className = "error";
        button.disabled = false;
      };
      xhr.send(new FormData(upload));
    });
  }

  // --- the review table ----------------------------------------------------------------------
  var table = document.querySelector("table.review");
  if (!table) { return; }
  var message = document.getElementById("review-message");
  var current = null;
  var dialogRow = null;

  function rows() { return Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-row-id]")); }

  function focusRow(row, scroll) {
    if (!row) { return; }
    if (current) { current.classList.remove("current"); }
    current = row;
    row.classList.add("current");
    if (scroll !== false) { row.scrollIntoView({ block: "nearest" }); }
  }

  function move(step) {
    var all = rows();
    var index = current ? all.indexOf(current) : -1;
    var next = all[Math.max(0, Math.min(all.length - 1, index + step))];
    focusRow(next);
  }

  function showMessage(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function updateProgress(header) {
    if (!header) { return; }
    var p = JSON.parse(header);
    var label = document.getElementById("review-progress");
    label.textContent = p.decided + " of " + p.total + " reviewed";
    document.getElementById("review-meter").value = p.decided;
    document.getElementById("review-flagged").textContent = p.flagged + " flagged";
    var signoff = document.getElementById("signoff");
    if (signoff && !signoff.hasAttribute("data-blocked")) { signoff.disabled = !p.complete; }
  }

  function send(form, submitter, row) {
    var body = new FormData(form);
    if (submitter && submitter.name) { body.append(submitter.name, submitter.value); }
    var url = form.getAttribute("action") || row.getAttribute("data-action");
    table.setAttribute("aria-busy", "true");
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Vouch-Fragment": "1" }
    }).then(function (response) {
      return response.text().then(function (text) {
        table.removeAttribute("aria-busy");
        if (!response.ok) { showMessage(text); return null; }
        showMessage("");
        var holder = document.createElement("tbody");
        holder.innerHTML = text.trim();
        var fresh = holder.querySelector("tr");
        var old = document.getElementById(fresh.id) || row;
        var wasCurrent = old === current;
        old.replaceWith(fresh);
        if (wasCurrent) { focusRow(fresh, false); }
        updateProgress(response.headers.get("X-Review-Progress"));
        return fresh;
      });
    }).catch(function () {
      table.removeAttribute("aria-busy");
      showMessage("The action did not reach the server; check the connection and try again.");
    });
  }

  // Row forms (accept / reject / runner-up) and dialog forms all post through fetch.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("act")) { return; }
    event.preventDefault();
    var dialog = form.closest("dialog");
    var row = dialog ? dialogRow : form.closest("tr");
    send(form, event.submitter, row).then(function (fresh) {
      if (dialog && fresh) { dialog.close(); }
      if (fresh && !dialog) { move(1); }
    });
  });

  var dialogs = {
    edit: document.getElementById("edit-dialog"),
    flag: document.getElementById("flag-dialog"),
    search: document.getElementById("search-dialog")
  };

  function openDialog(kind, row) {
    var dialog = dialogs[kind];
    if (!dialog || !row) { return; }
    dialogRow = row;
    focusRow(row, false);
    var form = dialog.querySelector("form");
    form.setAttribute("action", row.getAttribute("data-action"));
    // The decision names the version of the row the reviewer saw, so a stale one is refused.
    form.querySelector(".row-version").value = row.getAttribute("data-version");
    dialog.querySelector(".dialog-question").textContent = row.getAttribute("data-question");
    if (kind === "edit") {
      var choices = JSON.parse(row.getAttribute("data-choices") || "[]");
      var select = form.querySelector(".answer-choice");
      var text = form.querySelector(".answer-text");
      var answer = row.getAttribute("data-answer");
      select.innerHTML = "";
      choices.forEach(function (choice) {
        var option = document.createElement("option");
        option.value = choice;
        option.textContent = choice;
        if (choice === answer) { option.selected = true; }
        select.appendChild(option);
      });
      select.hidden = select.disabled = choices.length === 0;
      text.hidden = text.disabled = choices.length > 0;
      text.value = answer;
      form.querySelector("textarea[name=detail]").value = row.getAttribute("data-detail");
    } else if (kind === "flag") {
      form.querySelector("textarea[name=comment]").value = "";
    } else if (kind === "search") {
      var query = form.querySelector(".search-query");
      query.value = "";
      form.querySelector(".search-results").innerHTML = "";
    }
    dialog.showModal();
    var first = dialog.querySelector("select:not([disabled]), input:not([type=hidden]):not([disabled]), textarea");
    if (first) { first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog]");
    if (opener) { openDialog(opener.getAttribute("data-dialog"), opener.closest("tr")); return; }
    var closer = event.target.closest("[data-close]");
    if (closer) { closer.closest("dialog").close(); return; }
    var row = event.target.closest("tr[data-row-id]");
    if (row) { focusRow(row, false); }
  });

  // Search the bank as the reviewer types; each result is a button that picks that entry.
  var search = dialogs.search;
  if (search) {
    var timer = null;
    var query = search.querySelector(".search-query");
    var results = search.querySelector(".search-results");
    query.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var url = search.getAttribute("data-search-url") + "?q=" + encodeURIComponent(query.value);
        fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (found) {
          results.innerHTML = "";
          found.forEach(function (entry) {
            var item = document.createElement("li");
            var button = document.createElement("button");
            button.type = "submit";
            button.name = "choose";
            button.value = entry.id;
            button.className = "pick";
            var strong = document.createElement("strong");
            strong.textContent = entry.id + " · " + entry.answer;
            button.appendChild(strong);
            button.appendChild(document.createElement("br"));
            button.appendChild(document.createTextNode(entry.question));
            item.appendChild(button);
            results.appendChild(item);
          });
          if (!found.length && query.value.trim()) {
            var none = document.createElement("li");
            none.className = "muted";
            none.textContent = "No approved entry matches.";
            results.appendChild(none);
          }
        });
      }, 200);
    });
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
  }

  // Keyboard: j/k or arrows move, a accepts, 1/2 pick a runner-up, e/s/f open dialogs, r rejects.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target.closest && (target.closest("dialog[open]") || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
    var key = event.key;
    if (key === "j" || key === "ArrowDown") { event.preventDefault(); move(1); return; }
    if (key === "k" || key === "ArrowUp") { event.preventDefault(); move(-1); return; }
    if (!current) { return; }
    var click = function (selector) {
      var button = current.querySelector(selector);
      if (button && !button.disabled) { event.preventDefault(); button.click(); }
    };
    if (key === "a") { click("button.accept"); }
    else if (key === "r") { click("button.reject"); }
    else if (key === "1" || key === "2") { click("button.alt[data-key='" + key + "']"); }
    else if (key === "e") { event.preventDefault(); openDialog("edit", current); }
    else if (key === "f") { event.preventDefault(); openDialog("flag", current); }
    else if (key === "s") { event.preventDefault(); openDialog("search", current); }
  });

  var signoff = document.getElementById("signoff");
  if (signoff && signoff.disabled && signoff.title.indexOf("Four-eyes") === 0) {
    signoff.setAttribute("data-blocked", "1");
  }
  var filters = document.getElementById("filters");
  if (filters) {
    filters.addEventListener("change", function () { filters.submit(); });
  }
  var hash = window.location.hash && document.querySelector(window.location.hash);
  focusRow(hash && hash.matches("tr[data-row-id]") ? hash : rows()[0], Boolean(hash));
})();
