/* Signing forms: the signature pad (its PNG goes into a hidden field as a data URL), the fee
   totals of the ticked packages, and the consent mode following the channel. No framework. */
(function () {
  "use strict";

  function initPad(box) {
    var canvas = box.querySelector("canvas");
    var input = document.getElementById(box.dataset.input);
    var signed = box.querySelector("[data-signed]");
    if (!canvas || !input || typeof SignaturePad === "undefined") return null;
    var pad = new SignaturePad(canvas, { penColor: "#111", minWidth: 1, maxWidth: 3 });
    var lastWidth = 0;

    function store() {
      input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
      box.classList.toggle("signed", !pad.isEmpty());
      if (signed) signed.classList.toggle("d-none", pad.isEmpty());
    }

    function resize() {
      // Only a real width change rescales (phones fire resize when the address bar moves).
      if (canvas.offsetWidth === lastWidth) return;
      lastWidth = canvas.offsetWidth;
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var data = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (data.length) pad.fromData(data);
      store();
    }

    pad.addEventListener("endStroke", store);
    box.querySelector("[data-clear]").addEventListener("click", function () {
      pad.clear();
      store();
    });
    window.addEventListener("resize", resize);
    resize();
    return { store: store };
  }

  function money(n) {
    return (Math.round(n * 100) / 100).toFixed(2);
  }

  function initTotals(form) {
    var price = form.querySelector("[data-total-price]");
    var resident = form.querySelector("[data-total-resident]");
    var paidBox = form.querySelector("[data-paid-box]");

    function included(box) {
      var member = box.dataset.member;
      if (!member) return true;
      var toggle = form.querySelector('[data-member-toggle="' + member + '"]');
      return !toggle || toggle.checked;
    }

    function update() {
      var p = 0, r = 0;
      form.querySelectorAll("input[data-price]").forEach(function (box) {
        if (box.checked && included(box)) {
          p += parseFloat(box.dataset.price || "0");
          r += parseFloat(box.dataset.resident || "0");
        }
      });
      form.querySelectorAll("[data-member-toggle]").forEach(function (t) {
        var card = form.querySelector('[data-member-card="' + t.dataset.memberToggle + '"]');
        if (card) card.classList.toggle("excluded", !t.checked);
      });
      if (price) price.textContent = money(p);
      if (resident) resident.textContent = money(r);
      if (paidBox) paidBox.classList.toggle("d-none", r <= 0);
    }

    form.addEventListener("change", update);
    update();
  }

  function initConsent(form) {
    var channel = form.querySelector("[data-channel]");
    var box = form.querySelector("[data-signature-pad]");
    var note = form.querySelector("[data-online-note]");

    function mode() {
      var checked = form.querySelector("input[data-consent]:checked");
      return checked ? checked.value : "handwritten";
    }

    function show() {
      var online = mode() === "online";
      if (box) box.classList.toggle("d-none", online);
      if (note) note.classList.toggle("d-none", !online);
      if (!online) window.dispatchEvent(new Event("resize"));
    }

    if (channel) {
      channel.addEventListener("change", function () {
        var want = channel.value === "online" ? "online" : "handwritten";
        var radio = form.querySelector('input[data-consent][value="' + want + '"]');
        if (radio) radio.checked = true;
        show();
      });
    }
    form.querySelectorAll("input[data-consent]").forEach(function (r) {
      r.addEventListener("change", show);
    });
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-sign-form]").forEach(function (form) {
      var boxes = form.querySelectorAll("[data-signature-pad]");
      var pads = [];
      boxes.forEach(function (b) {
        var p = initPad(b);
        if (p) pads.push(p);
      });
      form.addEventListener("submit", function () {
        pads.forEach(function (p) { p.store(); });
      });
      initTotals(form);
      initConsent(form);
    });
  });
})();
