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
