// A button marked data-print opens the browser's print dialog. It is wired here rather than
// with an inline onclick, which the Content-Security-Policy (script-src 'self') refuses. The
// button comes hidden and shows once it is wired: without this script it would do nothing.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
  });
})();
