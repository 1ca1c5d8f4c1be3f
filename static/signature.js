// The signature page: draw with a finger or the mouse (signature_pad, vendored under
// static/vendor), sent as a PNG file with the form. Without JavaScript the upload works.
(function () {
  "use strict";
  var canvas = document.getElementById("signature-canvas");
  var form = document.getElementById("signature-form");
  var drawing = document.getElementById("drawing");
  if (!canvas || !form || !drawing || !window.SignaturePad || !window.DataTransfer) { return; }
  document.getElementById("draw").hidden = false;
  // Drawn at the screen's own density, so the ink stays sharp on phones.
  var ratio = Math.max(window.devicePixelRatio || 1, 1);
  canvas.width = canvas.offsetWidth * ratio;
  canvas.height = canvas.offsetHeight * ratio;
  canvas.getContext("2d").scale(ratio, ratio);
  var pad = new window.SignaturePad(canvas, { penColor: "#000", minWidth: 1.2, maxWidth: 3.5 });
  document.getElementById("signature-clear").addEventListener("click", function () { pad.clear(); });
  form.addEventListener("submit", function (event) {
    if (pad.isEmpty() || form.getAttribute("data-ready") === "1") { return; }
    event.preventDefault();
    canvas.toBlob(function (blob) {
      var files = new DataTransfer();
      files.items.add(new File([blob], "drawing.png", { type: "image/png" }));
      drawing.files = files.files;
      form.setAttribute("data-ready", "1");
      form.submit();
    }, "image/png");
  });
}());
