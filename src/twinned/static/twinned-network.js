// twinned: the network of partnerships on a canvas (data from /network.json; see explore.py).
// Places start at their projected coordinates and are drawn together by their
// partnerships (a force layout with a Barnes-Hut approximation, so thousands of places
// stay fast). Filters (continent, country), search, pan and zoom; a click opens a page.
// Without JavaScript the page's tables show the same places.
(function () {
  "use strict";

  const INK = "#1d2330", MUTED = "#8a8f98", HIGHLIGHT = "#1f5fa8";
  // the path the site is served under (twinned serve --root-path): found from this script's own
  // address; the data's hrefs are the site's own paths, joined to it where a link is made
  const ROOT = document.currentScript
    ? new URL(document.currentScript.src).pathname.replace(/\/static\/twinned-network\.js$/, "") : "";
  function link(href) { return href.startsWith("/") ? ROOT + href : href; }
  const SCALE = 400;  // layout units per projected unit

  function random(seed) {  // mulberry32: the same layout on every visit
    return function () {
      seed = (seed + 0x6D2B79F5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // -- the graph -------------------------------------------------------------------------------
  function graph(data) {
    const nodes = data.nodes.map(function (n, i) {
      const country = n[2] >= 0 ? data.countries[n[2]] : null;
      return { i: i, href: n[0], label: n[1], key: fold(n[1]), country: country,
               gx: n[3] === null ? null : n[3] * SCALE, gy: n[4] === null ? null : -n[4] * SCALE,
               x: 0, y: 0, vx: 0, vy: 0, links: [] };
    });
    const edges = data.edges.map(function (e) {
      const edge = { s: nodes[e[0]], t: nodes[e[1]], kind: data.kinds[e[2]] };
      edge.s.links.push(edge);
      edge.t.links.push(edge);
      return edge;
    });
    return { nodes: nodes, edges: edges, kinds: data.kinds, focus: data.focus };
  }

  // the places within `depth` partnerships of one (when the server sent the whole network,
  // as a static copy of the site does, whatever the query string)
  function around(g, href, depth) {
    const start = g.nodes.find(function (n) { return n.href === href; });
    if (!start) return g;
    const keep = new Set([start]);
    let frontier = [start];
    for (let d = 0; d < depth; d++) {
      const next = [];
      frontier.forEach(function (n) {
        n.links.forEach(function (e) {
          const m = e.s === n ? e.t : e.s;
          if (!keep.has(m)) { keep.add(m); next.push(m); }
        });
      });
      frontier = next;
    }
    const edges = g.edges.filter(function (e) { return keep.has(e.s) && keep.has(e.t); });
    const nodes = g.nodes.filter(function (n) { return keep.has(n); });
    nodes.forEach(function (n) { n.links = n.links.filter(function (e) { return keep.has(e.s) && keep.has(e.t); }); });
    return { nodes: nodes, edges: edges, kinds: g.kinds, focus: href };
  }

  // -- the layout --------------------------------------------------------------------------------
  // d3-style forces: springs along partnerships, repulsion between places (Barnes-Hut),
  // and a pull back to each place's position on the map. A big network keeps closer to
  // the map (else it is a round hairball) and settles in fewer steps; a small one is free.
  function Layout(nodes, edges) {
    this.nodes = nodes;
    this.edges = edges;
    this.alpha = 1;
    const big = Math.min(1, Math.max(0, (nodes.length - 200) / 1800));
    this.force = { charge: -60 + 50 * big, anchor: 0.04 + 0.26 * big, distance: 40 - 20 * big };
    this.decay = 1 - Math.pow(0.002, 1 / (300 - 180 * big));
    this.degree = new Map();
    for (const e of edges) {
      this.degree.set(e.s, (this.degree.get(e.s) || 0) + 1);
      this.degree.set(e.t, (this.degree.get(e.t) || 0) + 1);
    }
    for (const n of nodes) {
      n.deg = this.degree.get(n) || 0;
      n.vx = n.vy = 0;
      if (n.gx !== null) { n.x = n.gx; n.y = n.gy; }
    }
    const rand = random(42);
    for (const n of nodes) {  // a place without coordinates starts beside a partner that has them
      if (n.gx !== null) continue;
      let near = null;
      for (const e of n.links) {
        const m = e.s === n ? e.t : e.s;
        if (m.gx !== null) { near = m; break; }
      }
      const angle = rand() * 2 * Math.PI, r = 20 + rand() * 40;
      n.x = (near ? near.x : 0) + r * Math.cos(angle);
      n.y = (near ? near.y : 0) + r * Math.sin(angle);
    }
  }

  Layout.prototype.done = function () { return this.alpha < 0.002; };

  Layout.prototype.tick = function () {
    const alpha = this.alpha, f = this.force, nodes = this.nodes, edges = this.edges;
    for (let i = 0; i < edges.length; i++) {  // springs
      const s = edges[i].s, t = edges[i].t;
      let x = t.x + t.vx - s.x - s.vx, y = t.y + t.vy - s.y - s.vy;
      let l = Math.sqrt(x * x + y * y) || 1e-6;
      l = (l - f.distance) / l * alpha / Math.min(s.deg, t.deg);
      x *= l; y *= l;
      const b = s.deg / (s.deg + t.deg);
      t.vx -= x * b; t.vy -= y * b;
      s.vx += x * (1 - b); s.vy += y * (1 - b);
    }
    repel(nodes, alpha * f.charge);
    const pull = f.anchor * alpha;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.gx !== null) { n.vx += (n.gx - n.x) * pull; n.vy += (n.gy - n.y) * pull; }
      n.x += (n.vx *= 0.6);
      n.y += (n.vy *= 0.6);
    }
    this.alpha -= this.alpha * this.decay;
  };

  // Barnes-Hut: a far group of places repels as one
  const THETA2 = 0.81, MAX2 = 250 * 250;
  function repel(nodes, strength) {
    if (nodes.length < 2) return;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const n of nodes) {
      if (n.x < x0) x0 = n.x;
      if (n.y < y0) y0 = n.y;
      if (n.x > x1) x1 = n.x;
      if (n.y > y1) y1 = n.y;
    }
    const root = cell(x0, y0, Math.max(x1 - x0, y1 - y0) + 1);
    for (const n of nodes) insert(root, n, 0);
    total(root);
    for (const n of nodes) apply(root, n, strength);
  }
  function cell(x, y, size) {
    return { x: x, y: y, size: size, body: null, extra: null, kids: null, mass: 0, cx: 0, cy: 0 };
  }
  function insert(c, n, depth) {
    for (;;) {
      if (!c.kids && !c.body) { c.body = n; return; }
      if (!c.kids) {
        if (depth > 40) { (c.extra = c.extra || []).push(n); return; }  // the same point, many times
        const h = c.size / 2;
        c.kids = [cell(c.x, c.y, h), cell(c.x + h, c.y, h), cell(c.x, c.y + h, h), cell(c.x + h, c.y + h, h)];
        const old = c.body;
        c.body = null;
        insert(quadrant(c, old), old, depth + 1);
      }
      c = quadrant(c, n);
      depth++;
    }
  }
  function quadrant(c, n) {
    const h = c.size / 2;
    return c.kids[(n.x >= c.x + h ? 1 : 0) + (n.y >= c.y + h ? 2 : 0)];
  }
  function total(c) {
    if (c.kids) {
      for (const k of c.kids) {
        total(k);
        c.mass += k.mass; c.cx += k.cx * k.mass; c.cy += k.cy * k.mass;
      }
      if (c.mass) { c.cx /= c.mass; c.cy /= c.mass; }
    } else if (c.body) {
      const all = c.extra ? [c.body].concat(c.extra) : [c.body];
      c.mass = all.length;
      for (const n of all) { c.cx += n.x / all.length; c.cy += n.y / all.length; }
    }
  }
  function apply(c, n, strength) {
    if (!c.mass) return;
    const dx = c.cx - n.x, dy = c.cy - n.y;
    let l = dx * dx + dy * dy;
    if (!c.kids || (c.size * c.size) / l < THETA2) {
      const mass = c.body === n || (c.extra && c.extra.includes(n)) ? c.mass - 1 : c.mass;
      if (!mass || l > MAX2) return;
      if (l < 1) l = 1;
      const w = strength * mass / l;
      n.vx += dx * w; n.vy += dy * w;
      return;
    }
    for (let i = 0; i < 4; i++) apply(c.kids[i], n, strength);
  }

  // -- the view ----------------------------------------------------------------------------------
  function View(root, data) {
    this.root = root;
    this.canvas = root.querySelector("canvas");
    this.status = root.querySelector(".network-status");
    this.info = root.querySelector(".network-info");
    this.g = graph(data);
    if (root.dataset.focus && data.focus !== root.dataset.focus) this.g = around(this.g, root.dataset.focus, 2);
    this.k = 1; this.tx = 0; this.ty = 0;
    this.fitting = true;
    this.hover = null;
    this.selected = null;
    const focus = this.g.focus;
    this.focus = focus ? this.g.nodes.find(function (n) { return n.href === focus; }) : null;
    this.filter = { continent: root.dataset.continent || "", country: root.dataset.country || "" };
    this.resize();
    this.controls();
    this.choose();
  }

  View.prototype.resize = function () {
    const ratio = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth || 800, h = this.canvas.clientHeight || 420;
    this.canvas.width = Math.round(w * ratio);
    this.canvas.height = Math.round(h * ratio);
    this.ratio = ratio; this.w = w; this.h = h;
  };

  // the places to show: all, or those of the continent or country and their partners
  View.prototype.choose = function () {
    const f = this.filter;
    const inside = function (n) {
      if (f.country) return n.country && n.country.code === f.country.toUpperCase();
      if (f.continent) return n.country && n.country.continent === f.continent;
      return true;
    };
    const shown = new Set();
    this.g.nodes.forEach(function (n) {
      n.inside = inside(n);
      if (n.inside) {
        shown.add(n);
        n.links.forEach(function (e) { shown.add(e.s); shown.add(e.t); });
      }
    });
    this.nodes = this.g.nodes.filter(function (n) { return shown.has(n); });
    this.edges = this.g.edges.filter(function (e) { return e.s.inside || e.t.inside; });
    this.layout = new Layout(this.nodes, this.edges);
    this.byDegree = this.nodes.slice().sort(function (a, b) { return b.deg - a.deg; });
    this.fitting = true;
    this.root.dataset.nodes = String(this.nodes.length);
    this.root.dataset.edges = String(this.edges.length);
    this.root.dataset.state = "running";
    const within = this.nodes.filter(function (n) { return n.inside; }).length;
    this.status.textContent = (f.country || f.continent
      ? within + " places in " + (f.country ? this.countryName(f.country) : f.continent) + ", "
        + (this.nodes.length - within) + " partners elsewhere and "
      : this.nodes.length + " places and ") + this.edges.length + " partnerships.";
    this.run();
  };

  View.prototype.countryName = function (code) {
    const n = this.g.nodes.find(function (m) { return m.country && m.country.code === code.toUpperCase(); });
    return n ? n.country.label : code;
  };

  // layout steps in slices of 30 ms between frames (the page stays responsive), drawn as it settles
  View.prototype.run = function () {
    const self = this, layout = this.layout;
    this.drawn = -Infinity;
    const work = function () {
      if (layout !== self.layout) return;  // a new filter started another layout
      const start = performance.now();
      while (!layout.done() && performance.now() - start < 30) layout.tick();
      if (layout.done() || start - self.drawn > 400) {  // drawing thousands of lines costs more than a step
        self.drawn = start;
        self.redraw();
      }
      if (!layout.done()) window.setTimeout(work, 0);
    };
    window.setTimeout(work, 0);
  };

  View.prototype.redraw = function () {
    if (this.pending) return;
    this.pending = true;
    const self = this;
    window.requestAnimationFrame(function () {
      self.pending = false;
      if (self.fitting) self.fit();
      else if (self.following) self.centre(self.selected);
      self.draw();
      if (self.layout.done()) self.root.dataset.state = "ready";
    });
  };

  View.prototype.fit = function () {
    if (!this.nodes.length) return;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    this.nodes.forEach(function (n) {
      x0 = Math.min(x0, n.x); y0 = Math.min(y0, n.y); x1 = Math.max(x1, n.x); y1 = Math.max(y1, n.y);
    });
    const pad = 40;
    this.k = Math.min((this.w - 2 * pad) / Math.max(x1 - x0, 1), (this.h - 2 * pad) / Math.max(y1 - y0, 1), 4);
    this.tx = this.w / 2 - this.k * (x0 + x1) / 2;
    this.ty = this.h / 2 - this.k * (y0 + y1) / 2;
  };

  View.prototype.screen = function (n) { return { x: n.x * this.k + this.tx, y: n.y * this.k + this.ty }; };

  View.prototype.radius = function (n) {
    const d = Math.sqrt(n.deg);
    if (n === this.focus) return 7;
    return this.nodes.length > 1000 ? 1.5 + d * 0.6 : 2.5 + d * 1.1;
  };

  View.prototype.draw = function () {
    const c = this.canvas.getContext("2d"), self = this;
    c.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    c.clearRect(0, 0, this.w, this.h);
    const active = this.selected || this.hover;
    const near = new Set();
    if (active) active.links.forEach(function (e) { near.add(e.s); near.add(e.t); });
    const visible = function (p) { return p.x > -50 && p.y > -50 && p.x < self.w + 50 && p.y < self.h + 50; };
    // edges, one path per colour and state (thousands of strokes would be slow)
    const groups = new Map();
    this.edges.forEach(function (e) {
      const lit = active ? (e.s === active || e.t === active) : null;
      const key = e.kind.colour + "|" + lit;
      if (!groups.has(key)) groups.set(key, { colour: e.kind.colour, lit: lit, edges: [] });
      groups.get(key).edges.push(e);
    });
    Array.from(groups.values()).sort(function (a, b) { return (a.lit === true) - (b.lit === true); }).forEach(function (g) {
      c.globalAlpha = g.lit === null ? 0.55 : g.lit ? 0.95 : 0.1;
      c.lineWidth = g.lit ? 2.2 : 1.1;
      c.strokeStyle = g.colour;
      c.beginPath();
      g.edges.forEach(function (e) {
        const a = self.screen(e.s), b = self.screen(e.t);
        if (!visible(a) && !visible(b)) return;
        c.moveTo(a.x, a.y); c.lineTo(b.x, b.y);
      });
      c.stroke();
    });
    // places, one path per fill
    const fills = new Map();
    this.nodes.forEach(function (n) {
      const fill = n === active || n === self.focus ? INK : (n.inside ? "#3d4a5f" : MUTED);
      const dim = active && !near.has(n);
      const key = fill + "|" + dim;
      if (!fills.has(key)) fills.set(key, { fill: fill, dim: dim, nodes: [] });
      fills.get(key).nodes.push(n);
    });
    Array.from(fills.values()).sort(function (a, b) { return b.dim - a.dim; }).forEach(function (g) {
      c.globalAlpha = g.dim ? 0.3 : 1;
      c.fillStyle = g.fill;
      c.beginPath();
      g.nodes.forEach(function (n) {
        const p = self.screen(n), r = self.radius(n);
        if (!visible(p)) return;
        c.moveTo(p.x + r, p.y);
        c.arc(p.x, p.y, r, 0, 2 * Math.PI);
      });
      c.fill();
    });
    c.globalAlpha = 1;
    if (active) {
      const p = this.screen(active);
      c.strokeStyle = HIGHLIGHT; c.lineWidth = 3;
      c.beginPath(); c.arc(p.x, p.y, this.radius(active), 0, 2 * Math.PI); c.stroke();
    }
    this.labels(c, active, near);
  };

  // labels where they fit: the focus and the active place first, its partners, then the best connected
  View.prototype.labels = function (c, active, near) {
    const self = this, boxes = [];
    const first = [active, this.focus].filter(function (n) { return n; });
    const ranked = first.concat(Array.from(near), active ? [] : this.byDegree);
    const done = new Set();
    c.textBaseline = "middle";
    let count = 0;
    for (let i = 0; i < ranked.length && count < 120; i++) {
      const n = ranked[i], major = n === active || n === self.focus;
      if (done.has(n)) continue;
      done.add(n);
      c.font = (major ? "bold 14px " : "12px ") + "system-ui, sans-serif";
      const p = this.screen(n), w = c.measureText(n.label).width, r = this.radius(n) + 3;
      const box = [p.x + r, p.y - 8, p.x + r + w, p.y + 8];
      if (box[2] > this.w || box[0] < 0 || box[1] < 0 || box[3] > this.h) continue;
      if (!major && boxes.some(function (b) { return !(box[2] < b[0] || box[0] > b[2] || box[3] < b[1] || box[1] > b[3]); })) continue;
      boxes.push(box);
      c.lineWidth = 3; c.strokeStyle = "rgba(255,255,255,.9)"; c.strokeText(n.label, box[0], p.y);
      c.fillStyle = INK; c.fillText(n.label, box[0], p.y);
      count++;
    }
  };

  View.prototype.at = function (x, y) {
    let best = null, dist = Infinity;
    const self = this;
    this.nodes.forEach(function (n) {
      const p = self.screen(n), d = (p.x - x) * (p.x - x) + (p.y - y) * (p.y - y);
      const r = self.radius(n) + 5;
      if (d < r * r && d < dist) { best = n; dist = d; }
    });
    return best;
  };

  View.prototype.describe = function (n) {
    this.info.textContent = "";
    if (!n) return;
    const partners = n.links.map(function (e) { return e.s === n ? e.t : e.s; })
      .sort(function (a, b) { return a.label.localeCompare(b.label); });
    const head = document.createElement("p");
    const a = document.createElement("a");
    a.href = link(n.href); a.textContent = n.label;
    head.appendChild(a);
    head.appendChild(document.createTextNode((n.country ? ", " + n.country.label : "") + ": "
      + partners.length + " partner" + (partners.length === 1 ? "" : "s")));
    this.info.appendChild(head);
    const list = document.createElement("p");
    partners.slice(0, 40).forEach(function (m, i) {
      if (i) list.appendChild(document.createTextNode(", "));
      const anchor = document.createElement("a");
      anchor.href = link(m.href); anchor.textContent = m.label;
      list.appendChild(anchor);
    });
    if (partners.length > 40) list.appendChild(document.createTextNode(" …"));
    this.info.appendChild(list);
  };

  View.prototype.select = function (n) {
    this.selected = n;
    this.root.dataset.selected = n ? n.href : "";
    this.describe(n);
    this.following = !!n;  // kept in the middle while the layout settles, until moved by hand
    if (n) {
      this.fitting = false;
      this.k = Math.max(this.k, 1.5);
      this.centre(n);
    }
    this.draw();
  };

  View.prototype.centre = function (n) {
    if (!n) return;
    this.tx = this.w / 2 - n.x * this.k;
    this.ty = this.h / 2 - n.y * this.k;
  };

  View.prototype.zoom = function (factor, x, y) {
    if (x === undefined) { x = this.w / 2; y = this.h / 2; }
    const k = Math.max(0.05, Math.min(40, this.k * factor));
    this.following = false;
    this.tx = x - (x - this.tx) * (k / this.k);
    this.ty = y - (y - this.ty) * (k / this.k);
    this.k = k;
    this.fitting = false;
    this.draw();
  };

  View.prototype.controls = function () {
    const self = this, canvas = this.canvas;
    let drag = null, moved = false;
    canvas.addEventListener("pointerdown", function (evt) {
      drag = { x: evt.clientX, y: evt.clientY, tx: self.tx, ty: self.ty };
      moved = false;
      canvas.setPointerCapture(evt.pointerId);
    });
    canvas.addEventListener("pointermove", function (evt) {
      const r = canvas.getBoundingClientRect();
      if (drag) {
        const dx = evt.clientX - drag.x, dy = evt.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
        if (moved) {
          self.tx = drag.tx + dx; self.ty = drag.ty + dy;
          self.fitting = self.following = false;
          self.draw();
          return;
        }
      }
      const n = self.at(evt.clientX - r.left, evt.clientY - r.top);
      if (n !== self.hover) {
        self.hover = n;
        canvas.style.cursor = n ? "pointer" : "grab";
        canvas.title = n ? n.label + (n.country ? ", " + n.country.label : "") : "";
        if (!self.selected) self.describe(n);
        self.draw();
      }
    });
    canvas.addEventListener("pointerup", function (evt) {
      const r = canvas.getBoundingClientRect();
      const wasDrag = moved;
      drag = null;
      if (wasDrag) return;
      const n = self.at(evt.clientX - r.left, evt.clientY - r.top);
      if (n) window.location.assign(link(n.href));
      else self.select(null);
    });
    canvas.addEventListener("pointerleave", function () {
      self.hover = null;
      if (!self.selected) self.describe(null);
      self.draw();
    });
    canvas.addEventListener("wheel", function (evt) {
      evt.preventDefault();
      const r = canvas.getBoundingClientRect();
      self.zoom(evt.deltaY < 0 ? 1.25 : 0.8, evt.clientX - r.left, evt.clientY - r.top);
    }, { passive: false });
    canvas.addEventListener("keydown", function (evt) {
      const step = 60;
      const keys = {
        ArrowLeft: function () { self.tx += step; }, ArrowRight: function () { self.tx -= step; },
        ArrowUp: function () { self.ty += step; }, ArrowDown: function () { self.ty -= step; },
        "+": function () { self.zoom(1.25); }, "=": function () { self.zoom(1.25); },
        "-": function () { self.zoom(0.8); }, "0": function () { self.fitting = true; self.fit(); },
        Enter: function () { if (self.selected) window.location.assign(link(self.selected.href)); },
        Escape: function () { self.select(null); }
      };
      if (!keys[evt.key]) return;
      evt.preventDefault();
      keys[evt.key]();
      self.fitting = evt.key === "0";
      self.following = false;
      self.draw();
    });
    const bar = document.createElement("div");
    bar.className = "zoom";
    [["+", "Zoom in", function () { self.zoom(1.5); }], ["−", "Zoom out", function () { self.zoom(1 / 1.5); }],
     ["⟲", "Fit the network", function () { self.fitting = true; self.fit(); self.draw(); }]].forEach(function (b) {
      const button = document.createElement("button");
      button.type = "button"; button.textContent = b[0]; button.title = b[1];
      button.setAttribute("aria-label", b[1]);
      button.addEventListener("click", b[2]);
      bar.appendChild(button);
    });
    this.root.appendChild(bar);
    if (window.ResizeObserver) {
      new ResizeObserver(function () { self.resize(); if (self.fitting) self.fit(); self.draw(); }).observe(canvas);
    }
  };

  // -- the page's form: filters and search --------------------------------------------------------
  function tools(view) {
    const form = document.querySelector("form.network-tools");
    if (!form) return;
    const continent = form.querySelector(".network-continent"), country = form.querySelector(".network-country");
    const search = form.querySelector(".network-search"), matches = document.querySelector("ul.matches");
    form.querySelector("button[type=submit]").hidden = true;
    function refilter() {
      view.filter = { continent: continent.value, country: country.value };
      const url = new URL(window.location.href);
      ["continent", "country"].forEach(function (k) {
        if (view.filter[k]) url.searchParams.set(k, view.filter[k]); else url.searchParams.delete(k);
      });
      window.history.replaceState(null, "", url);
      view.select(null);
      view.choose();
      tables(url);
    }
    continent.addEventListener("change", function () { if (continent.value) country.value = ""; refilter(); });
    country.addEventListener("change", function () { if (country.value) continent.value = ""; refilter(); });
    function found() {
      const text = fold(search.value.trim());
      if (!text) return [];
      const starts = [], contains = [];
      view.g.nodes.forEach(function (n) {
        if (n.key.startsWith(text)) starts.push(n); else if (n.key.indexOf(text) >= 0) contains.push(n);
      });
      return starts.concat(contains).slice(0, 8);
    }
    function show(n) {
      if (!view.nodes.includes(n)) {  // outside the filter: show everything
        continent.value = ""; country.value = "";
        refilter();
      }
      view.select(n);
    }
    search.addEventListener("input", function () {
      matches.textContent = "";
      found().forEach(function (n) {
        const li = document.createElement("li"), a = document.createElement("a");
        a.href = link(n.href); a.textContent = n.label;
        li.appendChild(a);
        if (n.country) li.appendChild(document.createTextNode(" " + n.country.label));
        a.addEventListener("focus", function () { show(n); });
        a.addEventListener("mouseenter", function () { show(n); });
        matches.appendChild(li);
      });
    });
    form.addEventListener("submit", function (evt) {
      evt.preventDefault();
      const first = found()[0];
      if (first) show(first);
      else if (search.value.trim()) view.status.textContent = "No place is called “" + search.value.trim() + "”.";
    });
    if (search.value) search.dispatchEvent(new Event("input"));
  }

  // the table under the network follows the filter: the same page's table, fetched
  function tables(url) {
    const here = document.querySelector("section#places, section#countries");
    if (!here) return;
    fetch(url.href, { headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error(r.statusText)); })
      .then(function (html) {
        const there = new DOMParser().parseFromString(html, "text/html")
          .querySelector("section#places, section#countries");
        if (there) here.replaceWith(document.importNode(there, true));
      })
      .catch(function () { /* the old table stays */ });
  }

  document.querySelectorAll(".network-view[data-src]").forEach(function (root) {
    const status = root.querySelector(".network-status");
    status.textContent = "Loading the network…";
    root.dataset.state = "loading";
    fetch(link(root.dataset.src), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error(r.status + " " + r.statusText)); })
      .then(function (data) { tools(new View(root, data)); })
      .catch(function (err) {
        root.dataset.state = "failed";
        status.textContent = "The network could not be loaded (" + err.message + ").";
      });
  });
})();
