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

  function keepFocus() {
    var field = document.querySelector("[data-keep-focus]");
    if (!field) { return; }
    var active = document.activeElement;
    var busy = active && active !== document.body && active !== field &&
      (active.matches("input, textarea, select") || active.closest(".choices, .keypad, details"));
    if (!busy) { field.focus(); }
  }

  function printPdf(url) {
    var frame = document.getElementById("print-frame");
    if (!frame) { return; }
    window.greetingsPdfReady = null;
    frame.onload = function () {
      window.greetingsPdfReady = performance.now();
      try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (e) { /* viewer without print */ }
      setTimeout(keepFocus, 50);
    };
    frame.src = url;
  }

  function showResult(answer, retry) {
    var box = document.getElementById("result");
    box.className = "result result-" + answer.result;
    // Counts answers, so a person (or a test) can tell a new answer from the last one.
    box.dataset.seq = String(parseInt(box.dataset.seq || "0", 10) + 1);
    box.textContent = "";
    var message = document.createElement("p");
    message.className = "result-message";
    message.textContent = answer.message || answer.detail || answer.title || "";
    box.appendChild(message);
    var template = answer.result === "other_packer" ? "choice-template"
      : answer.result === "print_failed" ? "retry-template" : null;
    if (template) {
      box.appendChild(document.getElementById(template).content.cloneNode(true));
      box.querySelectorAll("[data-action]").forEach(function (button) {
        button.addEventListener("click", function () { retry(button.dataset.action); });
      });
      box.querySelectorAll("[data-retry]").forEach(function (button) {
        button.addEventListener("click", function () { retry(null, true); });
      });
      box.querySelector("button").focus();
    }
    beep(answer.result);
  }

  function addRecent(answer) {
    var list = document.getElementById("recent");
    if (!list) { return; }
    var empty = list.querySelector(".empty");
    if (empty) { empty.remove(); }
    var item = document.createElement("li");
    var order = document.createElement("span");
    order.className = "order";
    order.textContent = answer.order;
    var by = document.createElement("span");
    by.className = "by";
    by.textContent = " " + answer.packer + " ";
    var time = document.createElement("time");
    time.textContent = new Date().toTimeString().slice(0, 5);
    item.append(order, by, time);
    list.prepend(item);
    while (list.children.length > 20) { list.lastElementChild.remove(); }
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        window.location.reload();
        return null;
      }
      return response.json();
    });
  }

  function setUpScan(form) {
    var field = form.querySelector("[name=code]");
    var station = document.getElementById("station");
    var reprintButton = document.getElementById("reprint-last");
    var lastCode = null, lastPrint = null;

    function retry(action, again) {
      if (again && lastPrint) { send(null, null, lastPrint); } else { send(lastCode, action); }
    }

    function handle(answer) {
      if (!answer) { return; }
      // A retry prints this answer's card, whether it printed or the printer failed.
      if (answer.shipment_id) { lastPrint = "/station/shipments/" + answer.shipment_id + "/print"; }
      showResult(answer, retry);
      if (answer.result === "printed") {
        reprintButton.dataset.url = lastPrint;
        reprintButton.disabled = false;
        if (!answer.reprint) { addRecent(answer); }
        if (station.dataset.printMode === "browser") { printPdf(answer.pdf_url); }
      }
      setTimeout(keepFocus, 30);
    }

    function send(code, action, printUrl) {
      var data = new FormData(form);
      data.set("code", code || "");
      data.set("action", action || "");
      window.greetingsScanSent = performance.now();
      // Until an answer names the shipment, a retry repeats this very request.
      lastPrint = printUrl || null;
      var request = printUrl ? post(printUrl, data) : post(form.getAttribute("action"), data);
      request.then(handle).catch(function () {
        showResult({ result: "print_failed", message: form.dataset.offline || "No connection." },
                   retry);
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var code = field.value.trim();
      field.value = "";
      if (!code) { return; }
      lastCode = code;
      send(code, null);
    });
    reprintButton.addEventListener("click", function () {
      if (reprintButton.dataset.url) { send(null, null, reprintButton.dataset.url); }
    });
  }

  function setUpIdle() {
    var station = document.getElementById("station");
    var signOut = document.getElementById("sign-out");
    if (!station || !signOut) { return; }
    var limit = parseInt(station.dataset.idleMinutes, 10) * 60 * 1000;
    var timer = null;
    function reset() {
      clearTimeout(timer);
      timer = setTimeout(function () { signOut.form.submit(); }, limit);
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

  function setUpWave(form) {
    var progress = document.getElementById("wave-progress");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var started = performance.now();
      progress.hidden = false;
      progress.textContent = form.dataset.working || "…";
      var tick = setInterval(function () {
        progress.textContent = "… " + Math.round((performance.now() - started) / 1000) + " s";
      }, 500);
      fetch(form.getAttribute("action") || window.location.href, { method: "POST", body: new FormData(form), credentials: "same-origin" })
        .then(function (response) {
          clearInterval(tick);
          if (!response.ok || response.headers.get("Content-Type") !== "application/pdf") {
            return response.text().then(function (html) {
              document.open(); document.write(html); document.close();
            });
          }
          var count = response.headers.get("X-Wave-Count");
          return response.blob().then(function (blob) {
            progress.textContent = count + " ✓";
            printPdf(URL.createObjectURL(blob));
          });
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var scanForm = document.getElementById("scan-form");
    if (scanForm) { setUpScan(scanForm); setUpIdle(); }
    var waveForm = document.getElementById("wave-form");
    if (waveForm) { setUpWave(waveForm); }
    setUpKeypads();
    document.addEventListener("click", function () { setTimeout(keepFocus, 30); });
    setInterval(keepFocus, 700);
    keepFocus();
  });
}());
