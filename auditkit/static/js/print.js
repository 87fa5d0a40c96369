// A button marked data-print opens the browser's print dialog. It is wired here rather than
// with an inline onclick, which the Content-Security-Policy (script-src 'self') refuses.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
