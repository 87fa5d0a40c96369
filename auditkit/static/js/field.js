/* auditkit field app: small behaviours on top of htmx. Our own code; no libraries, no network. */
(function () {
  "use strict";

  var DRAFT_PREFIX = "auditkit-draft:";

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRF-Token"]; } catch (e) { return ""; }
  }

  /* ---- Drafts: typed text survives reload and a crash of the app. ----
     Every keystroke in an autosaving form is mirrored to localStorage; a successful save
     clears the draft. On load, a draft that differs from what the server has is put back
     into its field, marked, and saved again. */
  function draftKey(form, field) { return DRAFT_PREFIX + form.dataset.draft + ":" + field.name; }

  function saveDraft(event) {
    var field = event.target;
    var form = field.form;
    if (!form || !form.dataset.draft || field.tagName !== "TEXTAREA") return;
    try { localStorage.setItem(draftKey(form, field), field.value); } catch (e) { /* storage full */ }
  }

  function clearDrafts(form) {
    form.querySelectorAll("textarea").forEach(function (field) {
      try {
        if (localStorage.getItem(draftKey(form, field)) === field.value) {
          localStorage.removeItem(draftKey(form, field));
        }
      } catch (e) { /* storage unavailable */ }
    });
  }

  function restoreDrafts(root) {
    root.querySelectorAll("form[data-draft]").forEach(function (form) {
      var restored = false;
      form.querySelectorAll("textarea").forEach(function (field) {
        var draft = null;
        try { draft = localStorage.getItem(draftKey(form, field)); } catch (e) { return; }
        if (draft === null) return;
        if (draft === field.value) { localStorage.removeItem(draftKey(form, field)); return; }
        field.value = draft;
        field.classList.add("restored");
        restored = true;
      });
      if (restored && window.htmx) {
        var state = form.querySelector(".save-state");
        if (state) state.textContent = "Restored unsaved text; saving…";
        htmx.trigger(form, "change");
      }
    });
  }

  /* ---- Save state: "Saved" only when nothing typed is still waiting to be saved. ----
     Every edit of an autosaving form counts up `data-edits`; a request remembers the count it
     carried. When its answer arrives after later edits, the server's "Saved" would be about
     older values: the state says "Saving…" until the request with the last edit is answered
     (hx-sync queues it). So a person, and a test, can wait for "Saved" and trust it. */
  function edits(form) { return form.dataset.edits || "0"; }
  function setState(form, text, kind) {
    var state = form.querySelector(".save-state");
    if (state) { state.textContent = text; state.className = "save-state " + kind; }
  }
  function markEdited(event) {
    var form = event.target.form;
    if (!form || !form.dataset.draft) return;
    form.dataset.edits = String(Number(edits(form)) + 1);
    setState(form, "Not saved yet…", "pending");
  }
  // Capture phase: counted before htmx (listening on the form) sends the edit.
  document.addEventListener("input", markEdited, true);
  document.addEventListener("change", markEdited, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-draft]");
    if (!form) return;
    if (event.detail.xhr) event.detail.xhr.auditkitEdits = edits(form);
    setState(form, "Saving…", "saving");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-draft]");
    if (!form) return;
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 200 && xhr.status < 300) {
      if (xhr.auditkitEdits !== edits(form)) setState(form, "Saving…", "saving");
      clearDrafts(form);
      form.querySelector("input[name=confirm_void]") && (form.querySelector("input[name=confirm_void]").value = "0");
    } else if (!xhr || xhr.status === 0 || xhr.status >= 500) {
      var state = form.querySelector(".save-state");
      if (state) {
        state.textContent = "Not saved: the app did not answer. Your text is kept here; it will be saved when the app is back.";
        state.className = "save-state unsaved";
      }
    }
  });

  /* Retry unsaved forms every 10 seconds (e.g. after the app was restarted). */
  setInterval(function () {
    document.querySelectorAll("form[data-draft] .save-state.unsaved").forEach(function (state) {
      var form = state.closest("form");
      if (form && window.htmx && form.querySelector(".field-error") === null) htmx.trigger(form, "change");
    });
  }, 10000);

  /* ---- Confirmations. ---- */
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm-void], [data-confirm-void-form]");
    if (!button) return;
    var form = button.closest("form") || document.getElementById(button.dataset.confirmVoid).querySelector("form");
    if (!form) return;
    form.querySelector("input[name=confirm_void]").value = "1";
    htmx.trigger(form, "change");
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  /* ---- Keyboard: j/k next/previous item, n next unanswered, / search. ---- */
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }
  function items() { return Array.prototype.slice.call(document.querySelectorAll("article.item")); }
  function currentIndex(list) {
    var active = document.activeElement && document.activeElement.closest("article.item");
    return active ? list.indexOf(active) : -1;
  }
  function focusItem(item) {
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "start", behavior: "smooth" });
    item.classList.add("focused");
    setTimeout(function () { item.classList.remove("focused"); }, 800);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var list = items();
    var index = currentIndex(list);
    if (event.key === "j" && list.length) {
      focusItem(list[Math.min(index + 1, list.length - 1)]);
    } else if (event.key === "k" && list.length) {
      focusItem(list[Math.max(index - 1, 0)]);
    } else if (event.key === "n") {
      var next = list.slice(index + 1).concat(list.slice(0, index + 1)).filter(function (item) {
        var mark = item.querySelector(".mark");
        return mark && mark.dataset.answered === "0";
      })[0];
      if (next) { focusItem(next); }
      else {
        var link = document.getElementById("next-unanswered");
        if (link) window.location.href = link.href;
      }
    } else if (event.key === "/") {
      var search = document.querySelector("input[type=search]");
      if (search) { event.preventDefault(); search.focus(); }
    } else {
      return;
    }
    event.preventDefault();
  });

  /* ---- Photos: drag-and-drop and paste onto a gallery's drop zone. ---- */
  function upload(zone, files) {
    if (!files.length) return;
    if (zone.dataset.confirmUpload && !window.confirm(zone.dataset.confirmUpload)) return;
    var data = new FormData(zone);
    data.delete("photos");
    for (var i = 0; i < files.length; i++) data.append("photos", files[i], files[i].name || "pasted.png");
    var gallery = zone.closest(".gallery");
    zone.classList.add("uploading");
    fetch(zone.getAttribute("hx-post"), {
      method: "POST", body: data, headers: { "X-CSRF-Token": csrfToken(), "HX-Request": "true" }
    }).then(function (response) { return response.text(); }).then(function (html) {
      htmx.swap(gallery, html, { swapStyle: "outerHTML" });
    }).catch(function () {
      zone.classList.remove("uploading");
      zone.insertAdjacentHTML("afterend", '<p class="field-error" role="alert">The photos could not be sent: the app did not answer. Try again.</p>');
    });
  }
  document.addEventListener("dragover", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone) { event.preventDefault(); zone.classList.add("dragging"); }
  });
  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone) zone.classList.remove("dragging");
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("dragging");
    upload(zone, event.dataTransfer.files);
  });
  document.addEventListener("paste", function (event) {
    var files = event.clipboardData && event.clipboardData.files;
    if (!files || !files.length) return;
    var zone = event.target.closest && event.target.closest("article.item, .panel");
    zone = zone && zone.querySelector("[data-dropzone]");
    if (!zone) return;
    event.preventDefault();
    upload(zone, files);
  });

  /* ---- Pickers: a search box narrows a long list of checkboxes (clauses, items). ---- */
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input.picker-filter")) return;
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var root = document.querySelector(box.dataset.filter);
    if (!root) return;
    root.querySelectorAll(".picker-group").forEach(function (group) {
      var shown = 0;
      group.querySelectorAll("label.pick").forEach(function (label) {
        var text = label.textContent.toLowerCase();
        var keep = label.querySelector("input").checked ||
          words.every(function (w) { return text.indexOf(w) !== -1; });
        label.hidden = !keep;
        if (keep) shown += 1;
      });
      group.hidden = shown === 0;
    });
  });

  document.addEventListener("keydown", function (event) {
    // Enter in a picker's search box narrows the list; it must not submit the finding.
    if (event.key === "Enter" && event.target.matches && event.target.matches("input.picker-filter")) {
      event.preventDefault();
    }
  });

  document.addEventListener("input", saveDraft);
  document.addEventListener("DOMContentLoaded", function () {
    restoreDrafts(document);
    // htmx (loaded before this file) has wired the page by now: mark it ready to use.
    document.documentElement.dataset.ready = "1";
  });
})();
