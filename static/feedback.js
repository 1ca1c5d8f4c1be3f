// Only enhances: the form works the same without it. Counts characters left and stops a
// second tap on "Send" from posting twice on a slow connection.
(function () {
  "use strict";
  var form = document.getElementById("feedback");
  if (!form) { return; }
  var comment = document.getElementById("comment");
  var hint = document.getElementById("comment-hint");
  if (comment && hint && comment.maxLength > 0) {
    var text = hint.textContent;
    var update = function () {
      var left = comment.maxLength - comment.value.length;
      hint.textContent = left < 200 ? text + " (" + left + ")" : text;
    };
    comment.addEventListener("input", update);
    update();
  }
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
  });
}());
