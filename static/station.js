// The packing station: keep the cursor in the scan field, send scans without reloading,
// print the card from a hidden frame, and say what happened with colour and sound.
(function () {
  "use strict";

  var SOUNDS = {
    printed: [[880, 0.08], [1320, 0.12]],
    unknown: [[160, 0.45]],
    cancelled: [[220, 0.15], [0, 0.08], [220, 0.15], [0, 0.08], [220, 0.15]],
    other_packer: [[660, 0.15], [440, 0.25]],
    print_failed: [[300, 0.2], [200, 0.3]],
    invalid: [[160, 0.2]]
  };
  var audio = null;

  function beep(kind) {
    var notes = SOUNDS[kind];
    if (!notes) { return; }
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var at = audio.currentTime;
      notes.forEach(function (note) {
        if (note[0] > 0) {
          var osc = audio.createOscillator(), gain = audio.createGain();
          osc.frequency.value = note[0];
          gain.gain.value = 0.2;
          osc.connect(gain).connect(audio.destination);
          osc.start(at);
          osc.stop(at + note[1]);
        }
        at += note[1];
      });
    } catch (e) { /* no sound card: the colour still tells */ }
  }

  // Keys that answer a question; a scanner never types them, and Enter never answers.
  var DECISION_KEYS = ["F2", "F4", "F6", "F8", "F9"];
  // How long the page may hold an answer back while its card goes to the printer.
  var CARD_FIRST_MS = 250;

  function keepFocus() {
    var field = document.querySelector("[data-keep-focus]");
    if (!field) { return; }
    var active = document.activeElement;
    var busy = active && active !== document.body && active !== field &&
      active.tagName !== "IFRAME" &&
      (active.matches("input, textarea, select") || active.closest(".keypad, details"));
    if (!busy) { field.focus({ preventScroll: true }); }
  }

  // A hidden frame that can never take the focus (inert, tabindex -1).
  function hiddenFrame(className) {
    var frame = document.createElement("iframe");
    frame.className = className;
    frame.tabIndex = -1;
    frame.setAttribute("inert", "");
    frame.setAttribute("aria-hidden", "true");
    frame.title = "";
    return frame;
  }

  // Hands the card in `frame` to the printer, and notes it: the moment (the station
  // benchmark reads every card's), the count on the page, the focus back in the field.
  function handOver(frame) {
    window.greetingsCardReady = performance.now();
    (window.greetingsReadyLog = window.greetingsReadyLog || []).push(window.greetingsCardReady);
    try { frame.contentWindow.print(); } catch (e) { /* a viewer without print */ }
    var station = document.getElementById("station");
    if (station) {
      station.dataset.printed = String(parseInt(station.dataset.printed || "0", 10) + 1);
    }
    keepFocus();
  }

  // Loads a PDF (`source.src`: a wave, or a card that came without its image) into a fresh
  // frame, prints it, and resolves once it printed or after a wait (a frame that never
  // loads must not stop the queue).
  function printCard(source) {
    return new Promise(function (resolve) {
      var old = document.querySelectorAll(".print-frame:not(.card-frame)");
      var frame = hiddenFrame("print-frame");
      var done = false;
      function finish() {
        if (done) { return; }
        done = true;
        handOver(frame);
        resolve();
        // Earlier frames go once this card is printed, when the page is idle: taking a
        // PDF viewer down costs the page time, which must not fall between a scan and
        // its card.
        (window.requestIdleCallback || setTimeout)(function () {
          old.forEach(function (each) { each.remove(); });
        });
      }
      frame.addEventListener("load", finish);
      setTimeout(finish, 8000);
      frame.src = source.src;
      window.greetingsFrameSet = performance.now();
      document.body.appendChild(frame);
    });
  }

  // The card's print page: one frame per paper, made once and kept, holding the card's
  // image at the paper's size under an @page rule of that size (print_css). A card that
  // came with the scan's answer (the card's PDF rasterised by the server at the
  // printer's resolution) only swaps the images and prints once they are decoded:
  // Chromium's PDF viewer took ~1 s of CPU a card, and a new frame per card ~25 ms more
  // than this. print() is synchronous (it returns once the page went to the printer or
  // its preview) and cards print one at a time (printInTurn), so no image is swapped
  // while its card prints.
  var cardFrames = {};

  function cardFrame(css) {
    if (!cardFrames[css]) {
      var frame = hiddenFrame("print-frame card-frame");
      frame.srcdoc = '<!doctype html><html><head><meta charset="utf-8"><title></title>' +
        '<link rel="stylesheet" href="' + String(css).replace(/&/g, "&amp;")
          .replace(/"/g, "&quot;").replace(/</g, "&lt;") + '"></head>' +
        '<body><div class="card"></div></body></html>';
      cardFrames[css] = new Promise(function (resolve, reject) {
        // A frame that never loads is dropped (the next card makes a new one); a loaded
        // one is kept for the whole shift, so its wait must end with its load.
        var wait = setTimeout(function () {
          delete cardFrames[css];
          frame.remove();
          reject(new Error("the print frame did not load"));
        }, 8000);
        frame.addEventListener("load", function () {
          clearTimeout(wait);
          resolve(frame);
        }, { once: true });
      });
      document.body.appendChild(frame);
    }
    return cardFrames[css];
  }

  // Prints a card from the image in the scan's answer; should that fail, from its PDF.
  // The image comes as strips (Chromium decodes nine strips of a card ~4 times faster than
  // the one whole image), each placed at its rows: a strip starts and ends on a whole CSS
  // pixel (96 per inch), which is where Chromium prints it, so no seam shows. The frame's
  // images are reused card after card.
  function printImage(answer) {
    window.greetingsFrameSet = performance.now();
    return cardFrame(answer.print_css).then(function (frame) {
      var card = frame.contentDocument.querySelector(".card");
      var pixels = 96 / answer.image_dpi;
      var images = answer.image_strips.map(function (strip, index) {
        var image = card.children[index] ||
          card.appendChild(frame.contentDocument.createElement("img"));
        image.alt = "";
        image.style.top = strip.top * pixels + "px";
        image.style.height = strip.rows * pixels + "px";
        image.src = "data:" + answer.image_type + ";base64," + strip.data;
        return image;
      });
      while (card.children.length > images.length) { card.lastChild.remove(); }
      return Promise.all(images.map(function (image) { return image.decode(); }))
        .then(function () { handOver(frame); });
    }).catch(function () { return printCard({ src: answer.pdf_url }); });
  }

  function setUpScan(form) {
    var field = form.querySelector("[name=code]");
    var station = document.getElementById("station");
    var box = document.getElementById("result");
    var decisions = document.getElementById("decisions");
    var reprintButton = document.getElementById("reprint-last");
    var buffer = "", queue = [], busy = false, handled = 0;
    // Cards print one after another, in scan order, while the next scans are already
    // being sent: a burst need not wait for each viewer before asking for the next card.
    var printing = Promise.resolve(), cardsWaiting = 0;
    // Answers show in the order they came, each once the one before has shown.
    var showing = Promise.resolve();
    var words = station.dataset;

    function counts() {
      station.dataset.queued = String(queue.length + (busy ? 1 : 0));
      station.dataset.handled = String(handled);
    }

    function showBuffer() { field.value = buffer; }

    function showResult(answer) {
      box.className = "result result-" + answer.result;
      // Counts answers, so a person (or a test) can tell a new answer from the last one.
      box.dataset.seq = String(parseInt(box.dataset.seq || "0", 10) + 1);
      box.textContent = "";
      var message = document.createElement("p");
      message.className = "result-message";
      message.textContent = answer.message || answer.detail || answer.title || "";
      box.appendChild(message);
      // Only the job of the parcel shown may update this box: a late "printed" of the
      // one before must not cover a failure shown since.
      if (answer.job) { box.dataset.job = answer.job; } else { delete box.dataset.job; }
      beep(answer.result);
    }

    function log(answer) {
      var list = document.getElementById("recent");
      if (!list) { return; }
      var empty = list.querySelector(".empty");
      if (empty) { empty.remove(); }
      var item = document.createElement("li");
      item.className = "recent-" + answer.result;
      item.dataset.result = answer.result;
      var order = document.createElement("span");
      order.className = "order";
      order.textContent = answer.order || answer.code || "?";
      var by = document.createElement("span");
      by.className = "by";
      by.textContent = " " + (answer.result === "printed" ? answer.packer : answer.message || "") + " ";
      var time = document.createElement("time");
      time.textContent = new Date().toTimeString().slice(0, 5);
      item.append(order, by, time);
      list.prepend(item);
      while (list.children.length > 20) { list.lastElementChild.remove(); }
    }

    // A question stays open for the parcel it belongs to while later scans go on.
    function openDecision(answer, options) {
      var item = document.createElement("li");
      item.className = "decision decision-" + answer.result;
      item.dataset.order = answer.order || answer.code || "";
      var text = document.createElement("p");
      text.textContent = answer.message || "";
      item.appendChild(text);
      var row = document.createElement("div");
      row.className = "choices";
      options.forEach(function (option, index) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-lg";
        button.tabIndex = -1;
        var key = option.key || DECISION_KEYS[index];
        button.dataset.key = key;
        button.setAttribute("aria-keyshortcuts", key);
        var label = document.createElement("kbd");
        label.textContent = key === "Escape" ? "Esc" : key;
        button.append(label, document.createTextNode(" " + option.label));
        // A tap must not move the focus onto the button (where Enter would press it).
        button.addEventListener("mousedown", function (event) { event.preventDefault(); });
        button.addEventListener("click", function () { decide(item, option); });
        row.appendChild(button);
      });
      item.appendChild(row);
      decisions.appendChild(item);
      decisions.hidden = false;
    }

    function decide(item, option) {
      item.remove();
      decisions.hidden = !decisions.children.length;
      if (option.job) { enqueue(option.job); }
      keepFocus();
    }

    function firstDecisionKey(key) {
      var item = decisions.firstElementChild;
      if (!item) { return false; }
      var button = item.querySelector('[data-key="' + key + '"]');
      if (!button) { return false; }
      button.click();
      return true;
    }

    function skip(label) { return { key: "Escape", label: label }; }

    function ask(answer, job) {
      if (answer.result === "other_packer") {
        openDecision(answer, [
          { label: words.reprint, job: { code: answer.order, action: "reprint" } },
          { label: words.repack, job: { code: answer.order, action: "repack" } },
          skip(words.skip)]);
      } else if (answer.result === "print_failed" || answer.result === "needs_attention") {
        openDecision(answer, [
          { label: words.retry, job: { url: "/station/cards/" + answer.card_id + "/print",
                                       code: answer.order } },
          skip(words.skip)]);
      } else if (answer.result === "choose_shop") {
        openDecision(answer, answer.shops.map(function (shop) {
          return { label: shop.name, job: { code: job.code, shop: String(shop.id) } };
        }).concat([skip(words.skip)]));
      } else if (answer.result === "offline") {
        openDecision(answer, [{ label: words.again, job: job }, skip(words.skip)]);
      }
    }

    function post(job) {
      var data = new FormData(form);
      data.set("code", job.code || "");
      data.set("action", job.action || "");
      data.set("shop", job.shop || "");
      return fetch(job.url || form.getAttribute("action"), {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (response.status === 401 || response.status === 403) {
          window.location.reload();
          return new Promise(function () {});
        }
        return response.json();
      });
    }

    // A card goes into its frame at once when no card before it is still loading, else
    // right after that one.
    function printInTurn(answer) {
      cardsWaiting += 1;
      var start = function () {
        return answer.image_strips ? printImage(answer) : printCard({ src: answer.pdf_url });
      };
      var done = function () { cardsWaiting -= 1; };
      printing = (cardsWaiting === 1 ? start() : printing.then(start)).then(done);
    }

    function handle(answer, job) {
      handled += 1;
      answer.code = job.code;
      var printed = answer.card_id && answer.result === "printed";
      var cardFirst = null;
      if (printed && station.dataset.printMode === "browser") {
        printInTurn(answer);
        // A lone card goes to the printer before the page shows its answer: laying the
        // page out took the browser's main thread ~15 ms just when the card's images had
        // decoded and waited for it to print. Never longer than CARD_FIRST_MS.
        if (cardsWaiting === 1) { cardFirst = printing; }
      }
      showInTurn(answer, job, printed, cardFirst);
    }

    function showInTurn(answer, job, printed, after) {
      showing = showing.then(function () {
        return after && Promise.race([after, new Promise(function (resolve) {
          setTimeout(resolve, CARD_FIRST_MS);
        })]);
      }).then(function () { show(answer, job, printed); })
        .catch(function (error) { console.error(error); });
    }

    function show(answer, job, printed) {
      showResult(answer);
      log(answer);
      ask(answer, job);
      if (printed) {
        reprintButton.dataset.url = "/station/cards/" + answer.card_id + "/print";
        reprintButton.disabled = false;
        if (answer.job) { follow(answer); }
      }
    }

    // Follows a CUPS job to its end; a stuck or failed one becomes a question.
    function follow(answer) {
      var tries = 0;
      function poll() {
        tries += 1;
        fetch("/station/jobs/" + encodeURIComponent(answer.job) + "?card=" + answer.card_id,
              { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.json(); })
          .then(function (state) {
            if (box.dataset.job === answer.job) {
              box.className = "result result-" + state.result;
              box.querySelector(".result-message").textContent = state.message;
            }
            if (state.result === "needs_attention") {
              ask({ result: "needs_attention", message: state.message, order: answer.order,
                    card_id: answer.card_id }, null);
              beep("print_failed");
            } else if (state.result === "printing" && tries < 60) {
              setTimeout(poll, 1000);
            }
          })
          .catch(function () { if (tries < 60) { setTimeout(poll, 2000); } });
      }
      setTimeout(poll, 500);
    }

    function pump() {
      if (busy || !queue.length) { counts(); return; }
      busy = true;
      counts();
      var job = queue.shift();
      window.greetingsScanSent = performance.now();
      post(job)
        .then(function (answer) { return handle(answer, job); })
        .catch(function () {
          handled += 1;
          var answer = { result: "offline", code: job.code, order: job.code,
                         message: (words.offline || "No connection.") + " " + (job.code || "") };
          showInTurn(answer, job, false, null);
        })
        .then(function () { busy = false; pump(); });
    }

    function enqueue(job) { queue.push(job); pump(); }

    // Every key of the page lands here first, whatever has the focus: the scanner's
    // characters go into the buffer, its Enter sends the buffer to the queue.
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) { return; }
      var key = event.key;
      if (DECISION_KEYS.indexOf(key) >= 0 || key === "Escape") {
        event.preventDefault();
        firstDecisionKey(key);
        return;
      }
      if (key === "Enter") {
        var target = document.activeElement;
        // What the keys typed; or what was pasted or filled into the field itself.
        var code = (buffer || (target === field ? field.value : "")).trim();
        // With nothing scanned, Enter may still follow a link or button a person tabbed
        // to in the bar; everything else is the end of a scan.
        if (!code && target && target.closest("nav")) { return; }
        event.preventDefault();
        event.stopPropagation();
        buffer = "";
        showBuffer();
        if (code) { enqueue({ code: code }); }
        return;
      }
      if (key === "Backspace") {
        event.preventDefault();
        buffer = buffer.slice(0, -1);
        showBuffer();
        return;
      }
      if (key.length === 1) {
        event.preventDefault();
        buffer += key;
        showBuffer();
      }
    }, true);
    // Should anything still hand the focus to a frame, take it back.
    window.addEventListener("blur", function () { setTimeout(keepFocus, 0); });
    form.addEventListener("submit", function (event) {
      // A submit that did not come through the keys (a tap on Go).
      event.preventDefault();
      var code = (buffer || field.value).trim();
      buffer = "";
      showBuffer();
      if (code) { enqueue({ code: code }); }
    });
    reprintButton.tabIndex = -1;
    reprintButton.addEventListener("mousedown", function (event) { event.preventDefault(); });
    reprintButton.addEventListener("click", function () {
      if (reprintButton.dataset.url) { enqueue({ url: reprintButton.dataset.url }); }
    });
    station.dataset.ready = "1";
    counts();
  }

  function setUpIdle() {
    var station = document.getElementById("station");
    var signOut = document.getElementById("sign-out");
    if (!station || !signOut) { return; }
    var limit = parseInt(station.dataset.idleMinutes, 10) * 60 * 1000;
    var timer = null;
    function reset() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var reason = document.getElementById("sign-out-reason");
        if (reason) { reason.value = "idle"; }
        signOut.form.submit();
      }, limit);
    }
    ["keydown", "pointerdown", "touchstart"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    reset();
  }

  function setUpKeypads() {
    document.querySelectorAll(".pin-form").forEach(function (form) {
      var keypad = form.querySelector(".keypad"), input = form.querySelector(".pin-input");
      keypad.hidden = false;
      keypad.addEventListener("click", function (event) {
        var key = event.target.dataset && event.target.dataset.key;
        if (!key) { return; }
        input.value = key === "clear" ? input.value.slice(0, -1) : (input.value + key).slice(0, 8);
      });
    });
    document.querySelectorAll("details.tile").forEach(function (tile) {
      tile.addEventListener("toggle", function () {
        if (tile.open) {
          document.querySelectorAll("details.tile[open]").forEach(function (other) {
            if (other !== tile) { other.open = false; }
          });
          tile.querySelector(".pin-input").focus();
        }
      });
    });
  }

  // A big wave takes a while to render: say so, with the seconds, until the page answers.
  function setUpWave(form) {
    var progress = document.getElementById("wave-progress");
    form.addEventListener("submit", function () {
      var started = performance.now();
      progress.hidden = false;
      progress.textContent = form.dataset.working || "…";
      setInterval(function () {
        progress.textContent = (form.dataset.working || "…") + " " +
          Math.round((performance.now() - started) / 1000) + " s";
      }, 500);
    });
  }

  function printWave(done) {
    var progress = document.getElementById("wave-progress");
    printCard({ src: done.dataset.pdfUrl }).then(function () { progress.textContent = "✓"; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var scanForm = document.getElementById("scan-form");
    if (scanForm) { setUpScan(scanForm); setUpIdle(); }
    var waveForm = document.getElementById("wave-form");
    if (waveForm) { setUpWave(waveForm); }
    var waveDone = document.getElementById("wave-done");
    if (waveDone) { printWave(waveDone); }
    setUpKeypads();
    document.addEventListener("click", function () { setTimeout(keepFocus, 30); });
    setInterval(keepFocus, 700);
    keepFocus();
    var mode = document.querySelector("select[name=print_mode]");
    var queueField = document.querySelector("[data-when-cups]");
    if (mode && queueField) {
      var update = function () { queueField.hidden = mode.value !== "cups"; };
      mode.addEventListener("change", update);
      update();
    }
  });
}());
