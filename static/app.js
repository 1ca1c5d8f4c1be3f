// Small helpers for the console; every page works without them.
// A form with data-confirm asks its question before it is sent (deactivate, rotate, remove).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
}());
// The CUPS queue field shows only when a station prints through CUPS.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var mode = document.querySelector("select[name=print_mode]");
    var queue = document.querySelector("[data-when-cups]");
    if (!mode || !queue) { return; }
    function update() { queue.hidden = mode.value !== "cups"; }
    mode.addEventListener("change", update);
    update();
  });
}());
