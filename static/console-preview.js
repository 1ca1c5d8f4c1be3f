// The live card preview of the console's Greetings page: a draft is checked and drawn on
// the server (the real renderer) a moment after typing stops. The page works without it:
// its Preview button does the same with a round trip.
(function () {
  "use strict";
  var form = document.getElementById("greeting-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("preview-status");
  var image = document.getElementById("preview-image");
  var timer = null;
  var sent = 0;

  function show(answer) {
    if (answer.image && image) {
      image.src = answer.image;
      status.textContent = status.getAttribute("data-ok") || status.textContent;
    } else if (answer.problems && answer.problems.length) {
      status.textContent = answer.problems.join(" ");
    }
  }

  function check() {
    var mine = ++sent;
    fetch(form.getAttribute("data-preview"), {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) { return response.json(); })
      .then(function (answer) { if (mine === sent) { show(answer); } })
      .catch(function () { /* the Preview button still works */ });
  }

  if (status) { status.setAttribute("data-ok", status.textContent); }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 700);
  });
}());
