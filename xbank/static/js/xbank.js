/* XBank's own helpers for the page scripts, loaded on every page (base.html) before them.

   xbank.escapeHtml: ECharts puts what a tooltip formatter returns into the page as HTML, so a
   formatter that joins names from the data (a course, a module, a certificate, a school) escapes
   each of them with this first: a course named "<img src=x onerror=...>" is then shown as text,
   whatever the Content-Security-Policy would have stopped. */
(function () {
  "use strict";

  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  window.xbank = window.xbank || {};
  window.xbank.escapeHtml = function (value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return ENTITIES[c];
    });
  };
})();
