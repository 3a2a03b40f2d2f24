// twinned: tooltips for the server-drawn pictures (maps, timelines, charts) and zoom
// for the maps. The pictures work without this file: every point is a link with a
// <title> and an aria-label; this only makes the tooltip quicker and the map zoomable.
(function () {
  "use strict";

  function tooltip(frame) {
    const tip = document.createElement("div");
    tip.className = "tip";
    tip.hidden = true;
    tip.setAttribute("role", "tooltip");
    frame.appendChild(tip);
    return tip;
  }

  function show(frame, tip, target, text) {
    const box = frame.getBoundingClientRect();
    const at = target.getBoundingClientRect();
    tip.textContent = text;
    tip.hidden = false;
    let left = at.left - box.left + at.width / 2 + 10;
    const top = at.top - box.top - tip.offsetHeight - 6;
    left = Math.min(left, frame.clientWidth - tip.offsetWidth - 4);
    tip.style.left = Math.max(4, left) + "px";
    tip.style.top = (top < 0 ? at.bottom - box.top + 6 : top) + "px";
  }

  function withTips(frame) {
    const tip = tooltip(frame);
    frame.querySelectorAll("svg a[aria-label], svg path.arc").forEach(function (el) {
      const title = el.querySelector("title");
      const text = el.getAttribute("aria-label") || (title ? title.textContent : "");
      if (title) title.remove();  // one tooltip, not two
      if (!el.getAttribute("aria-label")) el.setAttribute("data-tip", text);
      const on = function () { show(frame, tip, el, text); };
      el.addEventListener("mouseenter", on);
      el.addEventListener("focus", on);
      el.addEventListener("mouseleave", function () { tip.hidden = true; });
      el.addEventListener("blur", function () { tip.hidden = true; });
    });
  }

  // -- zoom: the viewBox shrinks, points and labels keep their size ------------------------
  function zoomable(frame, svg) {
    const base = svg.viewBox.baseVal;
    const home = { x: base.x, y: base.y, w: base.width, h: base.height };
    let box = Object.assign({}, home);
    const circles = Array.from(svg.querySelectorAll("a.marker circle")).map(function (c) {
      return { el: c, r: parseFloat(c.getAttribute("r")) };
    });
    const labels = Array.from(svg.querySelectorAll(".labels text")).map(function (t) {
      return { el: t, x: parseFloat(t.getAttribute("x")), y: parseFloat(t.getAttribute("y")),
               size: parseFloat(t.getAttribute("font-size")),
               mx: parseFloat(t.getAttribute("data-mx")), my: parseFloat(t.getAttribute("data-my")) };
    });
    svg.querySelectorAll("path, circle").forEach(function (p) { p.setAttribute("vector-effect", "non-scaling-stroke"); });

    function apply() {
      svg.setAttribute("viewBox", [box.x, box.y, box.w, box.h].join(" "));
      const k = home.w / box.w;
      circles.forEach(function (c) { c.el.setAttribute("r", (c.r / k).toFixed(2)); });
      labels.forEach(function (l) {
        l.el.setAttribute("x", (l.mx + (l.x - l.mx) / k).toFixed(1));
        l.el.setAttribute("y", (l.my + (l.y - l.my) / k).toFixed(1));
        l.el.setAttribute("font-size", (l.size / k).toFixed(2));
      });
      frame.classList.toggle("zoomed", k > 1.01);
    }
    function zoom(factor, cx, cy) {
      const w = Math.min(home.w, Math.max(home.w / 16, box.w / factor));
      const h = w * home.h / home.w;
      if (cx === undefined) { cx = box.x + box.w / 2; cy = box.y + box.h / 2; }
      box.x = cx - (cx - box.x) * (w / box.w);
      box.y = cy - (cy - box.y) * (h / box.h);
      box.w = w; box.h = h;
      clamp();
      apply();
    }
    function clamp() {
      box.x = Math.max(home.x, Math.min(home.x + home.w - box.w, box.x));
      box.y = Math.max(home.y, Math.min(home.y + home.h - box.h, box.y));
    }
    function point(evt) {
      const r = svg.getBoundingClientRect();
      return { x: box.x + (evt.clientX - r.left) / r.width * box.w, y: box.y + (evt.clientY - r.top) / r.height * box.h };
    }

    const bar = document.createElement("div");
    bar.className = "zoom";
    [["+", "Zoom in", function () { zoom(2); }], ["−", "Zoom out", function () { zoom(0.5); }],
     ["⟲", "Whole map", function () { box = Object.assign({}, home); apply(); }]].forEach(function (b) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b[0];
      button.title = b[1];
      button.setAttribute("aria-label", b[1]);
      button.addEventListener("click", b[2]);
      bar.appendChild(button);
    });
    frame.appendChild(bar);

    svg.addEventListener("wheel", function (evt) {
      if (!evt.ctrlKey) return;  // the wheel scrolls the page; Ctrl+wheel zooms
      evt.preventDefault();
      const p = point(evt);
      zoom(evt.deltaY < 0 ? 1.5 : 1 / 1.5, p.x, p.y);
    }, { passive: false });
    svg.addEventListener("dblclick", function (evt) { const p = point(evt); zoom(2, p.x, p.y); });
    let drag = null;
    svg.addEventListener("pointerdown", function (evt) {
      if (evt.target.closest("a")) return;
      drag = { x: evt.clientX, y: evt.clientY, bx: box.x, by: box.y };
      svg.setPointerCapture(evt.pointerId);
    });
    svg.addEventListener("pointermove", function (evt) {
      if (!drag) return;
      const r = svg.getBoundingClientRect();
      box.x = drag.bx - (evt.clientX - drag.x) / r.width * box.w;
      box.y = drag.by - (evt.clientY - drag.y) / r.height * box.h;
      clamp();
      apply();
    });
    svg.addEventListener("pointerup", function () { drag = null; });
  }

  document.querySelectorAll("figure.picture .frame").forEach(function (frame) {
    withTips(frame);
    const map = frame.querySelector("svg.map");
    if (map) zoomable(frame, map);
  });
})();
