"""Scripts the browser tests and benchmarks add to every page."""

# Headless Chromium's renderer crashes when a framed PDF is asked to print (there is no
# printer and no viewer UI), so frames get a stand-in that counts the calls instead.
PRINT_STUB = """
(function () {
  var frameWindow = Object.getOwnPropertyDescriptor(HTMLIFrameElement.prototype,
                                                    "contentWindow").get;
  Object.defineProperty(HTMLIFrameElement.prototype, "contentWindow", {
    get: function () {
      var real = frameWindow.call(this);
      return {
        focus: function () { if (real) { real.focus(); } },
        print: function () {
          window.greetingsPrinted = (window.greetingsPrinted || 0) + 1;
          window.benchPrinted = performance.now();
          // Per print of a page with images: whether every one of them had loaded when
          // print() came (a card printed as its image strips must not print blank).
          try {
            var images = Array.prototype.slice.call(real.document.images);
            if (images.length) {
              (window.greetingsPrintedImages = window.greetingsPrintedImages || []).push(
                images.every(function (img) { return img.complete && img.naturalWidth > 0; }));
            }
          } catch (e) { /* a PDF viewer's frame: no images of ours */ }
        }
      };
    }
  });
}());
"""
