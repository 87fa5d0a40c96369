/* auditkit field app: draw arrows, circles and labels on a copy of a photo.
   Our own code; no libraries, no network beyond this app. Shapes are kept in a list in
   coordinates relative to the photo (0..1), so undo is a pop and the same list is drawn on
   the screen canvas and, at the photo's own resolution, on the exported copy. */
(function () {
  "use strict";

  var MAX_EDGE = 2000;       // long edge of the exported copy, as the photo pipeline stores
  var MIN_DRAG = 0.01;       // drags shorter than this (relative) are taps, not shapes
  var STROKE = 0.006;        // line width relative to the long edge
  var FONT = 0.045;          // label height relative to the long edge

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRF-Token"]; } catch (e) { return ""; }
  }

  function checked(name) {
    var input = document.querySelector("input[name=" + name + "]:checked");
    return input ? input.value : "";
  }

  /* ---- Drawing a list of shapes on any canvas of the photo's aspect ratio. ---- */
  function outline(colour) { return colour === "#ffd21f" ? "rgba(0,0,0,0.75)" : "rgba(255,255,255,0.85)"; }

  function drawArrow(ctx, s, w, h, line) {
    var x1 = s.x1 * w, y1 = s.y1 * h, x2 = s.x2 * w, y2 = s.y2 * h;
    var angle = Math.atan2(y2 - y1, x2 - x1);
    var head = Math.max(10, line * 4);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
    ctx.moveTo(x2 - head * Math.cos(angle - Math.PI / 7), y2 - head * Math.sin(angle - Math.PI / 7));
    ctx.lineTo(x2, y2);
    ctx.lineTo(x2 - head * Math.cos(angle + Math.PI / 7), y2 - head * Math.sin(angle + Math.PI / 7));
  }

  function drawEllipse(ctx, s, w, h) {
    var cx = (s.x1 + s.x2) / 2 * w, cy = (s.y1 + s.y2) / 2 * h;
    var rx = Math.abs(s.x2 - s.x1) / 2 * w, ry = Math.abs(s.y2 - s.y1) / 2 * h;
    ctx.beginPath();
    ctx.ellipse(cx, cy, Math.max(rx, 1), Math.max(ry, 1), 0, 0, 2 * Math.PI);
  }

  function drawShape(ctx, s, w, h) {
    var long = Math.max(w, h);
    var line = Math.max(2, long * STROKE);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    if (s.kind === "label") {
      var size = Math.max(12, Math.round(long * FONT));
      ctx.font = "bold " + size + "px sans-serif";
      ctx.textBaseline = "middle";
      ctx.lineWidth = Math.max(2, size / 6);
      ctx.strokeStyle = outline(s.colour);
      ctx.strokeText(s.text, s.x1 * w, s.y1 * h);
      ctx.fillStyle = s.colour;
      ctx.fillText(s.text, s.x1 * w, s.y1 * h);
      return;
    }
    if (s.kind === "arrow") drawArrow(ctx, s, w, h, line); else drawEllipse(ctx, s, w, h);
    ctx.strokeStyle = outline(s.colour);   // a thin halo keeps a mark visible on any background
    ctx.lineWidth = line + Math.max(2, line / 2);
    ctx.stroke();
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = line;
    ctx.stroke();
  }

  function drawAll(ctx, shapes, w, h) {
    shapes.forEach(function (s) { drawShape(ctx, s, w, h); });
  }

  /* ---- The page. ---- */
  function start(root) {
    var img = document.getElementById("annotate-photo");
    var canvas = document.getElementById("annotate-canvas");
    var undo = document.getElementById("annotate-undo");
    var save = document.getElementById("annotate-save");
    var text = document.getElementById("annotate-text");
    var status = document.getElementById("annotate-status");
    var hint = document.getElementById("annotate-hint");
    var shapes = [];
    var drag = null;
    var saving = false;

    function say(message, kind) {
      status.textContent = message;
      status.className = "annotate-status" + (kind ? " " + kind : "");
    }

    function counted() {
      var n = shapes.length;
      say(n === 0 ? "No marks yet" : n === 1 ? "1 mark" : n + " marks");
      undo.disabled = n === 0 || saving;
      save.disabled = n === 0 || saving;
    }

    function redraw() {
      var ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      drawAll(ctx, drag ? shapes.concat([drag]) : shapes, canvas.width, canvas.height);
    }

    function fit() {
      var ratio = window.devicePixelRatio || 1;
      var width = Math.max(1, Math.round(img.clientWidth * ratio));
      var height = Math.max(1, Math.round(img.clientHeight * ratio));
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
      redraw();
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      var clamp = function (v) { return Math.min(1, Math.max(0, v)); };
      return { x: clamp((event.clientX - rect.left) / rect.width), y: clamp((event.clientY - rect.top) / rect.height) };
    }

    function hintFor(tool) {
      hint.textContent = tool === "label"
        ? "Type the label text, then tap the photo where it goes."
        : tool === "ellipse" ? "Drag on the photo to draw a circle around something."
        : "Drag on the photo to draw an arrow; it points where you let go.";
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (saving || (event.pointerType === "mouse" && event.button !== 0)) return;
      event.preventDefault();
      var p = point(event);
      var tool = checked("tool");
      var colour = checked("colour");
      if (tool === "label") {
        var words = text.value.trim();
        if (!words) { say("Type the label text first, then tap where it goes.", "warn"); text.focus(); return; }
        shapes.push({ kind: "label", colour: colour, text: words, x1: p.x, y1: p.y });
        redraw();
        counted();
        return;
      }
      canvas.setPointerCapture(event.pointerId);
      drag = { kind: tool, colour: colour, x1: p.x, y1: p.y, x2: p.x, y2: p.y, pointer: event.pointerId };
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drag || event.pointerId !== drag.pointer) return;
      var p = point(event);
      drag.x2 = p.x;
      drag.y2 = p.y;
      redraw();
    });
    function finish(event) {
      if (!drag || event.pointerId !== drag.pointer) return;
      var shape = drag;
      drag = null;
      if (event.type === "pointerup" &&
          Math.max(Math.abs(shape.x2 - shape.x1), Math.abs(shape.y2 - shape.y1)) >= MIN_DRAG) {
        delete shape.pointer;
        shapes.push(shape);
      }
      redraw();
      counted();
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);

    undo.addEventListener("click", function () { shapes.pop(); redraw(); counted(); });
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "z" && event.target !== text && shapes.length) {
        event.preventDefault();
        shapes.pop();
        redraw();
        counted();
      }
    });
    document.querySelectorAll("input[name=tool]").forEach(function (input) {
      input.addEventListener("change", function () { hintFor(checked("tool")); });
    });
    text.addEventListener("input", function () {
      if (text.value.trim()) {
        var label = document.querySelector("input[name=tool][value=label]");
        if (!label.checked) { label.checked = true; hintFor("label"); }
      }
    });

    /* The copy: the photo at its own resolution (at most MAX_EDGE), the shapes on top. */
    function exported() {
      var scale = Math.min(1, MAX_EDGE / Math.max(img.naturalWidth, img.naturalHeight));
      var out = document.createElement("canvas");
      out.width = Math.round(img.naturalWidth * scale);
      out.height = Math.round(img.naturalHeight * scale);
      var ctx = out.getContext("2d");
      ctx.drawImage(img, 0, 0, out.width, out.height);
      drawAll(ctx, shapes, out.width, out.height);
      return new Promise(function (resolve, reject) {
        out.toBlob(function (blob) { blob ? resolve(blob) : reject(new Error("no image")); }, "image/jpeg", 0.9);
      });
    }

    function send(blob, confirmVoid) {
      var data = new FormData();
      data.append("image", blob, "annotated.jpg");
      data.append("confirm_void", confirmVoid ? "1" : "0");
      return fetch(root.dataset.saveUrl, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" }
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok && body.location) { window.location.assign(body.location); return; }
          var error = body.error || { code: "error", message: "The copy could not be saved (" + response.status + ")." };
          if (error.code === "signature_would_be_voided" && !confirmVoid && window.confirm(error.message + " Continue?")) {
            return send(blob, true);
          }
          throw new Error(error.message);
        });
      });
    }

    save.addEventListener("click", function () {
      if (!shapes.length || saving) return;
      var confirmVoid = !!root.dataset.confirmVoid;
      if (confirmVoid && !window.confirm(root.dataset.confirmVoid)) return;
      saving = true;
      counted();
      say("Saving the annotated copy…", "saving");
      exported().then(function (blob) { return send(blob, confirmVoid); }).catch(function (error) {
        saving = false;
        counted();
        var message = error && error.message && error.message !== "Failed to fetch"
          ? error.message : "The app did not answer; your marks are still here. Try again.";
        say("Not saved: " + message, "error");
      });
    });

    if (window.ResizeObserver) new ResizeObserver(fit).observe(img);
    window.addEventListener("resize", fit);
    function ready() { fit(); counted(); root.classList.add("is-ready"); }
    if (img.complete && img.naturalWidth) ready(); else img.addEventListener("load", ready);
    hintFor(checked("tool"));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("annotate");
    if (root && document.getElementById("annotate-canvas")) start(root);
  });
})();
