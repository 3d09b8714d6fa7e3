/* borderkit brief map: layers, labels, controls and the ready flag (needs Leaflet). */
(function () {
  "use strict";
  var bk = (window.bk = { maps: [] });
  window.borderkitReady = false;
  window.borderkitErrors = [];
  window.addEventListener("error", function (ev) {
    window.borderkitErrors.push(String(ev.message || ev));
  });

  // the one place that turns [lon, lat] into Leaflet's lat/lon order
  function ll(p) {
    return L.latLng(p[1], p[0]);
  }

  // every text reaches the DOM as textContent, never as markup
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }

  function readJSON(id) {
    var n = document.getElementById(id);
    return n ? JSON.parse(n.textContent) : null;
  }

  function guard(what, fn) {
    try {
      return fn();
    } catch (err) {
      window.borderkitErrors.push(what + ": " + (err && err.message ? err.message : err));
      return null;
    }
  }

  function pane(map, name, z) {
    if (!map.getPane(name)) {
      var p = map.createPane(name);
      p.style.zIndex = String(z);
    }
    return name;
  }

  bk.map = function (id, o) {
    return guard("map", function () {
      var map = L.map(id, {
        zoomSnap: o.zoomSnap,
        zoomDelta: 0.5,
        fadeAnimation: false,
        zoomAnimation: false,
        markerZoomAnimation: false,
        inertia: false,
        attributionControl: false,
        zoomControl: false,
        preferCanvas: !!o.preferCanvas,
        maxZoom: 18,
      });
      map._bk = { labels: [], overlays: [], bases: [], guides: [], order: 0, moved: false,
                  fitting: false, bounds: null, report: null };
      map.getPane(pane(map, "bk-labels", 640)).style.pointerEvents = "none";
      bk.maps.push(map);
      return map;
    });
  };

  bk.tiles = function (map, t) {
    guard("tiles", function () {
      if (!map) throw new Error("no map");
      var layer = L.tileLayer(t.url, {
        attribution: "",
        maxZoom: t.maxZoom,
        subdomains: t.subdomains,
        crossOrigin: false,
      });
      layer.addTo(map);
      map._bk.bases.push([t.nameHtml, layer]);
    });
  };

  function pathStyle(s) {
    return {
      color: s.color,
      weight: s.weight,
      opacity: 1,
      fill: s.geom === "polygon",
      fillColor: s.fill || s.color,
      fillOpacity: s.fill_opacity,
      dashArray: s.dash || null,
      lineJoin: "round",
    };
  }

  function popup(p) {
    var box = el("div", "bk-popup");
    box.appendChild(el("div", "bk-popup-h", p.h));
    var table = el("table");
    p.r.forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("th", null, row[0]));
      var td = el("td");
      if (row[2] && /^https?:\/\//i.test(row[2])) {
        var a = el("a", null, row[1]);
        a.href = row[2];
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        td.appendChild(a);
      } else {
        td.textContent = row[1];
      }
      tr.appendChild(td);
      table.appendChild(tr);
    });
    if (p.r.length) box.appendChild(table);
    return box;
  }

  // labels that carry a key fact: never hidden (moved, joined by a leader or numbered)
  var KEY_KINDS = { distance_line: 1, ring: 1 };

  bk.layer = function (map, m) {
    guard("layer " + m.id, function () {
      if (!map) throw new Error("no map");
      var s = m.style;
      var data = readJSON(m.data);
      var vpane = pane(map, "bk-v" + s.z, 400 + s.z);
      var ppane = pane(map, "bk-p" + s.z, 600 + s.z);
      var d = 2 * s.radius + 4;
      var opts = {
        pane: vpane,
        style: function () {
          return pathStyle(s);
        },
        onEachFeature: function (f, layer) {
          var p = f.properties || {};
          if (p.t !== undefined && p.t !== null) {
            layer.bindTooltip(el("span", null, p.t), {
              sticky: s.geom !== "point",
              direction: "top",
              className: "bk-tip",
            });
          }
          if (p.p) {
            // borderkit pans the popup clear of the panels itself (see keepPopupClear)
            layer.bindPopup(function () {
              return popup(p.p);
            }, { maxWidth: 340, autoPan: false });
          }
        },
      };
      if (s.geom === "point") {
        var icon = L.divIcon({
          html: m.icon,
          className: "bk-marker",
          iconSize: [d, d],
          iconAnchor: [d / 2, d / 2],
          popupAnchor: [0, -d / 2],
          tooltipAnchor: [0, -d / 2],
        });
        opts.pointToLayer = function (f, latlng) {
          return L.marker(latlng, { icon: icon, pane: ppane, keyboard: false });
        };
      }
      var group = L.geoJSON(data, opts);
      if (m.show) group.addTo(map);
      // other labels keep off distance lines when they can (see placeLabels)
      if (m.kind === "distance_line") map._bk.guides.push(group);
      map._bk.overlays.push([m.nameHtml, group]);
      (m.labels || []).forEach(function (lab) {
        map._bk.labels.push({
          key: !!(KEY_KINDS[m.kind] || m.key),
          layer: group,
          at: ll(lab),
          text: lab[2],
          prio: lab[3],
          r: s.geom === "point" ? s.radius + 3 : 0,
          cls: "bk-label bk-label-" + m.kind,
          sizes: {},
          order: map._bk.order++,
          node: null,
        });
      });
    });
  };

  // physical context: the hillshade multiplied onto the countries (brightened so flat
  // ground is white: no edge where the image ends), and context names (country, river,
  // lake, range names) placed after every data label, giving way without a warning
  bk.context = function (map, o) {
    guard("context", function () {
      if (o.shade) {
        var sp = map.getPane(pane(map, "bk-shade", 400));  // above the countries' pane
        sp.style.mixBlendMode = "multiply";
        sp.style.filter = "brightness(" + o.shade.brightness + ")";
        sp.style.pointerEvents = "none";
        var b = o.shade.bounds;
        var img = L.imageOverlay(o.shade.uri, [[b[1], b[0]], [b[3], b[2]]], {
          pane: "bk-shade", opacity: o.shade.opacity, interactive: false, className: "bk-shade",
        });
        img.addTo(map);
        map._bk.overlays.push(["Terrain", img]);
      }
      if (!(o.labels || []).length) return;
      var group = L.layerGroup().addTo(map);
      map._bk.overlays.push(["Names", group]);
      o.labels.forEach(function (lab) {
        map._bk.labels.push({
          key: false, context: true, layer: group, at: ll(lab), text: lab[2], prio: lab[4],
          r: 0, cls: "bk-label bk-ctx bk-ctx-" + lab[3], sizes: {}, order: map._bk.order++,
          node: null,
        });
      });
    });
  };

  // ------------------------------------------------------------------ labels
  // A label further than LEADER px from its anchor is joined to it by a leader line.
  var LEADER = 20;

  // boxes [x0, y0, x1, y1, tag] in a grid of 64 px cells, so a look-up checks only its
  // neighbours (a thousand labels would otherwise compare every box with every other)
  function Grid() {
    this.cells = {};
  }
  Grid.prototype.add = function (b) {
    for (var i = Math.floor(b[0] / 64); i <= Math.floor(b[2] / 64); i++) {
      for (var j = Math.floor(b[1] / 64); j <= Math.floor(b[3] / 64); j++) {
        var k = i + "," + j;
        (this.cells[k] || (this.cells[k] = [])).push(b);
      }
    }
  };
  // whether box a overlaps a box of the grid (whose tag differs from skip, if given)
  Grid.prototype.hits = function (a, skip) {
    for (var i = Math.floor(a[0] / 64); i <= Math.floor(a[2] / 64); i++) {
      for (var j = Math.floor(a[1] / 64); j <= Math.floor(a[3] / 64); j++) {
        var list = this.cells[i + "," + j];
        if (!list) continue;
        for (var n = 0; n < list.length; n++) {
          var b = list[n];
          if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3] &&
              (skip === undefined || b[4] !== skip)) return true;
        }
      }
    }
    return false;
  };

  // pixels from point p to the nearest point of box (0 inside it)
  function gap(box, p) {
    var dx = Math.max(box[0] - p.x, 0, p.x - box[2]);
    var dy = Math.max(box[1] - p.y, 0, p.y - box[3]);
    return Math.sqrt(dx * dx + dy * dy);
  }

  // offsets of the box's top-left corner from the anchor, near ones first
  function candidates(w, h, r) {
    if (r > 0) {
      return [
        [r, -h / 2], [-r - w, -h / 2], [-w / 2, -r - h], [-w / 2, r],
        [r * 0.7, -r * 0.7 - h], [r * 0.7, r * 0.7], [-r * 0.7 - w, -r * 0.7 - h],
        [-r * 0.7 - w, r * 0.7],
      ];
    }
    // lines and areas: the anchor itself, then further and further above, below, aside
    var out = [];
    [0, 1, 2, 3].forEach(function (step) {
      var dy = step * (h + 4);
      out.push([-w / 2, -h / 2 - dy], [-w / 2, -h / 2 + dy]);
      if (step) out.push([8 * step, -h / 2 - dy / 2], [-w - 8 * step, -h / 2 - dy / 2],
                         [8 * step, -h / 2 + dy / 2], [-w - 8 * step, -h / 2 + dy / 2]);
    });
    return out;
  }

  // spots further out, in 16 directions, for a label joined to its anchor by a leader
  function farCandidates(w, h, r) {
    var out = [];
    [30, 50, 80, 120, 170].forEach(function (g) {
      for (var k = 0; k < 16; k++) {
        var a = (k * Math.PI) / 8, c = Math.cos(a), s = Math.sin(a);
        var d = r + g + (w / 2) * Math.abs(c) + (h / 2) * Math.abs(s);
        out.push([d * c - w / 2, d * s - h / 2]);
      }
    });
    return out;
  }

  // the obstacles labels keep off: panels (layer points) and point markers
  function panelBoxes(map) {
    var out = [];
    panelRects(map).forEach(function (r) {
      var a = map.containerPointToLayerPoint([r[0] - 2, r[1] - 2]);
      var b = map.containerPointToLayerPoint([r[2] + 2, r[3] + 2]);
      out.push([a.x, a.y, b.x, b.y]);
    });
    return out;
  }

  // distance lines on the map, as small boxes every few pixels along them
  function guideBoxes(map) {
    var lines = [];
    map._bk.guides.forEach(function (group) {
      if (!map.hasLayer(group)) return;
      group.eachLayer(function (layer) {
        if (!layer.getLatLngs) return;
        var parts = layer.getLatLngs();
        if (parts.length && !Array.isArray(parts[0])) parts = [parts];
        parts.forEach(function (part) {
          for (var i = 1; i < part.length; i++) {
            var a = map.latLngToLayerPoint(part[i - 1]), b = map.latLngToLayerPoint(part[i]);
            var n = Math.max(1, Math.ceil(a.distanceTo(b) / 4));
            for (var k = 0; k <= n; k++) {
              var x = a.x + (b.x - a.x) * k / n, y = a.y + (b.y - a.y) * k / n;
              lines.push([x - 1.5, y - 1.5, x + 1.5, y + 1.5, group]);
            }
          }
        });
      });
    });
    return lines;
  }

  // the names at the ends of a distance line are key labels too (what it connects)
  function markEndpoints(st) {
    var ends = [];
    st.guides.forEach(function (group) {
      group.eachLayer(function (layer) {
        if (!layer.getLatLngs) return;
        var parts = layer.getLatLngs();
        if (parts.length && !Array.isArray(parts[0])) parts = [parts];
        parts.forEach(function (part) {
          if (part.length) ends.push(part[0], part[part.length - 1]);
        });
      });
    });
    st.labels.forEach(function (lab) {
      if (lab.r <= 0) return;
      for (var i = 0; i < ends.length; i++) {
        if (Math.abs(ends[i].lat - lab.at.lat) < 1e-4 && Math.abs(ends[i].lng - lab.at.lng) < 1e-4) {
          lab.key = true;
          return;
        }
      }
    });
  }

  // whether the leader from p to box would cross one of the boxes placed
  function crosses(p, box, placed) {
    var x = Math.min(Math.max(p.x, box[0]), box[2]), y = Math.min(Math.max(p.y, box[1]), box[3]);
    var n = Math.ceil(Math.sqrt((x - p.x) * (x - p.x) + (y - p.y) * (y - p.y)) / 4);
    for (var k = 1; k < n; k++) {
      var px = p.x + ((x - p.x) * k) / n, py = p.y + ((y - p.y) * k) / n;
      if (placed.hits([px - 0.5, py - 0.5, px + 0.5, py + 0.5])) return true;
    }
    return false;
  }

  // later labels keep off a leader line: small boxes along it become obstacles
  function keepOffLeader(ctx, p, box) {
    var x = Math.min(Math.max(p.x, box[0]), box[2]), y = Math.min(Math.max(p.y, box[1]), box[3]);
    var n = Math.ceil(Math.sqrt((x - p.x) * (x - p.x) + (y - p.y) * (y - p.y)) / 4);
    for (var k = 1; k < n; k++) {
      var px = p.x + ((x - p.x) * k) / n, py = p.y + ((y - p.y) * k) / n;
      ctx.obstacles.add([px - 1.5, py - 1.5, px + 1.5, py + 1.5]);
    }
  }

  // set a label's text and class; its size is measured once per text (reading a size
  // makes the browser lay the page out, which a thousand labels must not do one by one)
  function setText(lab, text, cls, measure) {
    if (lab.node.textContent !== text || lab.node.className !== cls) {
      lab.node.textContent = text;
      lab.node.className = cls;
    }
    var size = lab.sizes[cls + "|" + text];
    if (size) {
      lab.w = size[0];
      lab.h = size[1];
    } else if (measure !== false) {
      measureLabels([lab]);
    }
  }

  // show or hide a label and say why (data-bk-state), touching the DOM only on a change
  function show(node, on, state) {
    if (node.style.display !== (on ? "" : "none")) node.style.display = on ? "" : "none";
    if (node.getAttribute("data-bk-state") !== state) node.setAttribute("data-bk-state", state);
  }

  function measureLabels(labs) {
    labs.forEach(function (lab) { lab.node.style.display = ""; });  // hidden ones measure 0
    labs.forEach(function (lab) {
      lab.w = lab.node.offsetWidth;
      lab.h = lab.node.offsetHeight;
      lab.sizes[lab.node.className + "|" + lab.node.textContent] = [lab.w, lab.h];
    });
  }

  // the first free spot among offsets, in two passes: off the distance lines, then anywhere
  function findSpot(ctx, lab, offsets) {
    for (var pass = 0; pass < 2; pass++) {
      for (var i = 0; i < offsets.length; i++) {
        var x = lab.pt.x + offsets[i][0], y = lab.pt.y + offsets[i][1];
        var box = [x, y, x + lab.w, y + lab.h];
        var v = ctx.view;
        if (box[0] < v[0] || box[1] < v[1] || box[2] > v[2] || box[3] > v[3]) continue;
        if (ctx.placed.hits(box) || ctx.obstacles.hits(box)) continue;
        if (pass === 0 && lab.r > 0 && ctx.lines.hits(box, lab.layer)) continue;
        if (gap(box, lab.pt) > LEADER && crosses(lab.pt, box, ctx.placed)) continue;
        return box;
      }
    }
    return null;
  }

  // key labels: near, else further out with a leader, else a numbered callout
  function placeKey(ctx, lab) {
    var box = findSpot(ctx, lab, candidates(lab.w, lab.h, lab.clear)) ||
              findSpot(ctx, lab, farCandidates(lab.w, lab.h, lab.clear));
    if (box) return { box: box, state: gap(box, lab.pt) > LEADER ? "leader" : "near" };
    ctx.callouts.push(lab);
    var number = String(ctx.callouts.length);
    setText(lab, number, lab.cls + " bk-callout");
    box = findSpot(ctx, lab, candidates(lab.w, lab.h, lab.clear)) ||
          findSpot(ctx, lab, farCandidates(lab.w, lab.h, lab.clear));
    if (!box) {  // no free spot at all: the number goes beside the anchor regardless
      var o = candidates(lab.w, lab.h, lab.clear)[0];
      box = [lab.pt.x + o[0], lab.pt.y + o[1], lab.pt.x + o[0] + lab.w, lab.pt.y + o[1] + lab.h];
    }
    return { box: box, state: "callout", number: number,
             leader: gap(box, lab.pt) > LEADER };
  }

  function leaderLine(svg, origin, lab, box) {
    var p = lab.pt;
    var x = Math.min(Math.max(p.x, box[0]), box[2]), y = Math.min(Math.max(p.y, box[1]), box[3]);
    var ns = "http://www.w3.org/2000/svg";
    var line = document.createElementNS(ns, "line");
    line.setAttribute("x1", (p.x - origin.x).toFixed(1));
    line.setAttribute("y1", (p.y - origin.y).toFixed(1));
    line.setAttribute("x2", (x - origin.x).toFixed(1));
    line.setAttribute("y2", (y - origin.y).toFixed(1));
    svg.appendChild(line);
    var dot = document.createElementNS(ns, "circle");
    dot.setAttribute("cx", (p.x - origin.x).toFixed(1));
    dot.setAttribute("cy", (p.y - origin.y).toFixed(1));
    dot.setAttribute("r", "2");
    svg.appendChild(dot);
  }

  function leaderLayer(map, origin, size) {
    var st = map._bk;
    if (!st.leaders) {
      st.leaders = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      st.leaders.setAttribute("class", "bk-leaders");
      st.leaders.setAttribute("aria-hidden", "true");
      map.getPane("bk-labels").appendChild(st.leaders);
    }
    var svg = st.leaders;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.setAttribute("width", String(size.x));
    svg.setAttribute("height", String(size.y));
    L.DomUtil.setPosition(svg, origin);
    return svg;
  }

  bk.placeLabels = function (map) {
    var st = map._bk;
    var labelPane = map.getPane("bk-labels");
    var size = map.getSize();
    var origin = map.containerPointToLayerPoint([0, 0]);
    var ctx = {
      view: [origin.x, origin.y, origin.x + size.x, origin.y + size.y],
      placed: new Grid(), obstacles: new Grid(), lines: new Grid(), callouts: [],
    };
    panelBoxes(map).forEach(function (b) { ctx.obstacles.add(b); });
    guideBoxes(map).forEach(function (b) { ctx.lines.add(b); });
    var report = { hidden: [], offscreen: 0, leader: [], callout: [] };
    var todo = st.labels.filter(function (lab) {
      var on = map.hasLayer(lab.layer);
      if (!on && lab.node) {
        show(lab.node, false, "layer-off");
      }
      return on;
    });
    todo.forEach(function (lab) {
      lab.pt = map.latLngToLayerPoint(lab.at);
      if (lab.r > 0) {
        var q = lab.r - 2;
        ctx.obstacles.add([lab.pt.x - q, lab.pt.y - q, lab.pt.x + q, lab.pt.y + q]);
      }
    });
    // a label clears the largest marker drawn at its point (an event's disc under a place)
    var largest = {};
    function spot(lab) { return Math.round(lab.pt.x) + "," + Math.round(lab.pt.y); }
    todo.forEach(function (lab) {
      var k = spot(lab);
      if (lab.r > (largest[k] || 0)) largest[k] = lab.r;
    });
    todo.forEach(function (lab) { lab.clear = lab.r > 0 ? largest[spot(lab)] : lab.r; });
    todo.sort(function (a, b) {
      return (b.key ? 1 : 0) - (a.key ? 1 : 0) || b.prio - a.prio || a.order - b.order;
    });
    var svg = leaderLayer(map, origin, size);
    var v = ctx.view;
    // labels wrap narrower on a phone: measure them again when the layout switches
    var narrow = document.documentElement.classList.contains("bk-narrow");
    if (st.narrow !== narrow) st.labels.forEach(function (lab) { lab.sizes = {}; });
    st.narrow = narrow;
    // all writes first, then all reads: one layout for every label measured
    todo.forEach(function (lab) {
      if (!lab.node) {
        lab.node = el("div", lab.cls);
        labelPane.appendChild(lab.node);
      }
      setText(lab, lab.text, lab.cls, false);
    });
    measureLabels(todo.filter(function (lab) { return !lab.sizes[lab.cls + "|" + lab.text]; }));
    todo.forEach(function (lab) {
      if (lab.node.getAttribute("data-bk-key") !== (lab.key ? "1" : "0")) {
        lab.node.setAttribute("data-bk-key", lab.key ? "1" : "0");
      }
      var inView = lab.pt.x >= v[0] && lab.pt.x <= v[2] && lab.pt.y >= v[1] && lab.pt.y <= v[3];
      var got = null;
      if (!inView) {
        report.offscreen++;
      } else if (lab.key) {
        got = placeKey(ctx, lab);
      } else {
        var box = findSpot(ctx, lab, candidates(lab.w, lab.h, lab.clear));
        if (box) got = { box: box, state: "near" };
        else if (!lab.context) report.hidden.push(lab.text);  // context names give way
      }
      if (got) {
        ctx.placed.add(got.box);
        L.DomUtil.setPosition(lab.node, L.point(got.box[0], got.box[1]));
        show(lab.node, true, got.state);
        if (got.state === "leader" || got.leader) {
          leaderLine(svg, origin, lab, got.box);
          keepOffLeader(ctx, lab.pt, got.box);
        }
        if (got.state === "leader") report.leader.push(lab.text);
        if (got.state === "callout") report.callout.push([got.number, lab.text]);
      } else {
        show(lab.node, false, !inView ? "offscreen" : lab.context ? "gave-way" : "hidden");
      }
    });
    st.report = report;
    return report;
  };

  // the note that says which labels were hidden or numbered (text only, never markup)
  function labelNote(report) {
    var note = document.getElementById("bk-labelnote");
    var callouts = document.getElementById("bk-callouts");
    var legend = !!document.getElementById("bk-legend");
    var list = callouts && callouts.querySelector("ol");
    var before = note ? note.textContent : "";
    var parts = [];
    var n = report.hidden.length;
    if (n) {  // the names are left out on a phone (CSS), the count never
      var names = report.hidden.slice(0, 5).join(", ") + (n > 5 ? " and " + (n - 5) + " more" : "");
      parts.push([n + (n === 1 ? " label" : " labels") + " hidden to avoid overlap", null],
                 [" (" + names + ")", "bk-note-names"], ["; zoom in to see " +
                 (n === 1 ? "it." : "them."), null]);
    }
    if (report.callout.length) {
      parts.push([(n ? " " : "") + "Numbered labels had no room beside their place; " +
                  (legend ? "they are listed in the legend." : "they are listed below."), null]);
    }
    if (note) {
      while (note.firstChild) note.removeChild(note.firstChild);
      parts.forEach(function (p) { note.appendChild(el("span", p[1], p[0])); });
      note.hidden = !parts.length;
    }
    if (list) {
      while (list.firstChild) list.removeChild(list.firstChild);
      report.callout.forEach(function (c) {
        var li = el("li", null, c[1]);
        li.setAttribute("value", c[0]);
        list.appendChild(li);
      });
      callouts.hidden = !report.callout.length;
    }
    var own = document.getElementById("bk-labelbox");  // when there is no legend
    if (own) own.hidden = !parts.length;
    if (report.callout.length || report.leader.length) {
      var said = JSON.stringify([report.leader, report.callout]);
      if (said !== labelNote.said && window.console) {
        window.console.info("borderkit labels: leader lines for " +
                            JSON.stringify(report.leader) + "; numbered " +
                            JSON.stringify(report.callout));
      }
      labelNote.said = said;
    }
    return (note ? note.textContent : "") !== before;
  }

  bk.labels = function (map) {
    // the note can change the panels' size: place once more if it did
    if (labelNote(bk.placeLabels(map))) labelNote(bk.placeLabels(map));
  };

  // ---------------------------------------------------------------- controls
  bk.panel = function (map, id, position) {
    guard("panel " + id, function () {
      var node = document.getElementById(id);
      if (!node) return;
      var c = L.control({ position: position });
      c.onAdd = function () {
        L.DomEvent.disableClickPropagation(node);
        L.DomEvent.disableScrollPropagation(node);
        return node;
      };
      c.addTo(map);
    });
  };

  function nice(x) {
    var p = Math.pow(10, Math.floor(Math.log(x) / Math.LN10));
    var f = x / p;
    return (f >= 5 ? 5 : f >= 2 ? 2 : 1) * p;
  }

  function fmt(v) {
    return v >= 1 ? String(Math.round(v)) : String(Number(v.toPrecision(1)));
  }

  bk.updateScale = function (map) {
    var node = document.getElementById("bk-scale");
    if (!node) return;
    var maxPx = 120;
    var y = map.getSize().y / 2;
    var metres = map.distance(
      map.containerPointToLatLng([0, y]),
      map.containerPointToLatLng([maxPx, y])
    );
    [["bk-scale-km", 1000, "km"], ["bk-scale-nmi", 1852, "nmi"]].forEach(function (u) {
      var row = node.querySelector("." + u[0]);
      var units = nice(metres / u[1]);
      row.querySelector(".bk-bar").style.width = Math.round((units * u[1] * maxPx) / metres) + "px";
      row.querySelector(".bk-scale-t").textContent = fmt(units) + " " + u[2];
    });
  };

  bk.updateInset = function (map) {
    var svg = document.getElementById("bk-inset-svg");
    if (!svg) return;
    var t = svg.dataset;
    var k = +t.k, x0 = +t.x0, y1 = +t.y1, s = +t.s;
    var b = map.getBounds();
    var rect = svg.querySelector(".bk-inset-view");
    var x = (b.getWest() * k - x0) / s, xe = (b.getEast() * k - x0) / s;
    var yt = (y1 - b.getNorth()) / s, yb = (y1 - b.getSouth()) / s;
    rect.setAttribute("x", x.toFixed(1));
    rect.setAttribute("y", yt.toFixed(1));
    rect.setAttribute("width", Math.max(xe - x, 2).toFixed(1));
    rect.setAttribute("height", Math.max(yb - yt, 2).toFixed(1));
  };

  // ------------------------------------------------------------------ layout
  // Panels are measured from the DOM: the view fits the data into the space they leave,
  // popups pan clear of them, and below 700 px wide the title, legend and sources fold.
  var NARROW = "(max-width: 699px), (max-height: 499px)";

  // container-pixel boxes [left, top, right, bottom] of the panels and controls shown
  function panelRects(map) {
    var box = map.getContainer().getBoundingClientRect();
    var out = [];
    Array.prototype.forEach.call(
      map.getContainer().querySelectorAll(".leaflet-control"),
      function (node) {
        var r = node.getBoundingClientRect();
        if (!r.width || !r.height || node.classList.contains("bk-under-popup")) return;
        out.push([r.left - box.left, r.top - box.top, r.right - box.left, r.bottom - box.top]);
      }
    );
    return out;
  }

  // padding {l, t, r, b} that keeps every panel out of the rest of the view: each panel
  // is cleared either sideways or up/down, whichever choice gives *score* most
  function freePadding(map, score) {
    var size = map.getSize();
    var rects = panelRects(map).sort(function (a, b) {
      return (b[2] - b[0]) * (b[3] - b[1]) - (a[2] - a[0]) * (a[3] - a[1]);
    }).slice(0, 10);
    var best = null;
    for (var mask = 0; mask < 1 << rects.length; mask++) {
      var pad = { l: 0, t: 0, r: 0, b: 0 };
      for (var i = 0; i < rects.length; i++) {
        var rc = rects[i];
        if (mask & (1 << i)) {
          if (rc[0] + rc[2] < size.x) pad.l = Math.max(pad.l, rc[2]);
          else pad.r = Math.max(pad.r, size.x - rc[0]);
        } else if (rc[1] + rc[3] < size.y) {
          pad.t = Math.max(pad.t, rc[3]);
        } else {
          pad.b = Math.max(pad.b, size.y - rc[1]);
        }
      }
      var w = size.x - pad.l - pad.r, h = size.y - pad.t - pad.b;
      if (w < 40 || h < 40) continue;
      var s = score(w, h);
      if (best === null || s > best.s) best = { s: s, pad: pad };
    }
    return best ? best.pad : { l: 0, t: 0, r: 0, b: 0 };
  }

  function validBounds(b) {
    return b && b.length === 4 && b.every(function (v) {
      return typeof v === "number" && isFinite(v);
    }) && b[0] < b[2] && b[1] < b[3];
  }

  function fit(map, b) {
    var st = map._bk;
    st.fitting = true;
    try {
      if (validBounds(b)) {
        var bounds = L.latLngBounds(ll([b[0], b[1]]), ll([b[2], b[3]]));
        var nw = map.project(bounds.getNorthWest(), 0), se = map.project(bounds.getSouthEast(), 0);
        var bx = Math.max(se.x - nw.x, 1e-9), by = Math.max(se.y - nw.y, 1e-9);
        // the largest scale at which the data fits the free space
        var pad = freePadding(map, function (w, h) { return Math.min(w / bx, h / by); });
        var m = 6;
        map.fitBounds(bounds, {
          animate: false,
          paddingTopLeft: [pad.l + m, pad.t + m],
          paddingBottomRight: [pad.r + m, pad.b + m],
        });
        st.padding = pad;
      } else {
        window.borderkitErrors.push("map extent is not finite; showing the whole world");
        map.setView([0, 0], 2, { animate: false });
      }
    } finally {
      st.fitting = false;
    }
  }

  // pan an open popup into the space the panels leave; panels it still meets step aside
  function keepPopupClear(map, popup) {
    var node = popup && popup.getElement && popup.getElement();
    if (!node) return;
    var size = map.getSize();
    if (popup.options.maxWidth !== Math.min(340, size.x - 60)) {
      popup.options.maxWidth = Math.max(Math.min(340, size.x - 60), 120);
      popup.update();
    }
    var pad = freePadding(map, function (w, h) { return Math.min(w, 360) * Math.min(h, 300) + w * h / 1e6; });
    var box = map.getContainer().getBoundingClientRect(), r = node.getBoundingClientRect();
    var x0 = r.left - box.left, y0 = r.top - box.top, x1 = r.right - box.left, y1 = r.bottom - box.top;
    var l = pad.l + 6, t = pad.t + 6, rr = size.x - pad.r - 6, b = size.y - pad.b - 6;
    var dx = x0 < l || x1 - x0 > rr - l ? l - x0 : x1 > rr ? rr - x1 : 0;
    var dy = y0 < t || y1 - y0 > b - t ? t - y0 : y1 > b ? b - y1 : 0;
    if (dx || dy) map.panBy([-dx, -dy], { animate: false });
    stepAside(map, node);
  }

  function stepAside(map, node) {
    var r = node && node.getBoundingClientRect();
    Array.prototype.forEach.call(
      map.getContainer().querySelectorAll(".leaflet-control"),
      function (c) {
        c.classList.remove("bk-under-popup");
        if (!r) return;
        var q = c.getBoundingClientRect();
        if (q.width && q.left < r.right && r.left < q.right && q.top < r.bottom && r.top < q.bottom) {
          c.classList.add("bk-under-popup");
        }
      }
    );
  }

  // fold buttons: aria-expanded on the button, the hidden attribute on the body
  function setFold(box, open) {
    var button = box.querySelector(".bk-toggle");
    var body = document.getElementById(box.id + "-body");
    box.classList.toggle("bk-folded", !open);
    if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
    if (body) body.hidden = !open;
  }

  function folds(map, changed) {
    var boxes = Array.prototype.slice.call(document.querySelectorAll(".bk-fold"));
    boxes.forEach(function (box) {
      var button = box.querySelector(".bk-toggle");
      if (!button) return;
      button.addEventListener("click", function () {
        setFold(box, button.getAttribute("aria-expanded") !== "true");
        changed(false);
      });
    });
    var query = window.matchMedia ? window.matchMedia(NARROW) : null;
    var apply = function () {
      var narrow = !!(query && query.matches);
      document.documentElement.classList.toggle("bk-narrow", narrow);
      boxes.forEach(function (box) { setFold(box, !narrow); });
    };
    apply();
    if (query && query.addEventListener) {
      query.addEventListener("change", function () {
        apply();
        changed(true);
      });
    }
  }

  function setReady() {
    window.requestAnimationFrame(function () {
      window.requestAnimationFrame(function () {
        var node = document.getElementById("bk-map");
        if (node) node.classList.add("bk-ready");
        window.borderkitReady = true;
      });
    });
  }

  function addPanels(map, panels) {
    var st = map._bk;
    (panels || []).forEach(function (entry) {
      var id = entry[0], position = entry[1];
      if (id === "zoom") {
        guard("zoom", function () { L.control.zoom({ position: position }).addTo(map); });
      } else if (id === "layers") {
        guard("layer control", function () {
          if (!st.overlays.length) return;
          // names are HTML-escaped by borderkit (Leaflet inserts them as markup)
          var ctl = L.control.layers(null, null, { collapsed: true, position: position });
          st.bases.forEach(function (e) { ctl.addBaseLayer(e[1], e[0]); });
          st.overlays.forEach(function (e) { ctl.addOverlay(e[1], e[0]); });
          ctl.addTo(map);
        });
      } else {
        bk.panel(map, id, position);
      }
    });
  }

  bk.finish = function (map, o) {
    if (!map) {
      window.borderkitErrors.push("the map could not be created");
      setReady();
      return;
    }
    var st = map._bk;
    st.bounds = o.bounds;
    addPanels(map, o.panels);
    guard("key labels", function () { markEndpoints(st); });
    var refresh = function () {
      guard("labels", function () { bk.labels(map); });
      guard("scale", function () { bk.updateScale(map); });
      guard("inset", function () { bk.updateInset(map); });
      guard("popup", function () { if (st.popup) stepAside(map, st.popup.getElement()); });
    };
    // refit while the reader has not moved the map (a resize, panels folding on a phone)
    var refit = function () {
      if (!st.moved) guard("fit", function () { fit(map, st.bounds); });
    };
    guard("folds", function () {
      folds(map, function (resized) {
        if (resized) {
          map.invalidateSize({ pan: false });
          refit();
        }
        refresh();
      });
    });
    guard("fit", function () { fit(map, st.bounds); });
    var ready = function () {
      refit();  // the fonts have loaded: the panels have their final size
      refresh();
      map.on("zoomend moveend overlayadd overlayremove", refresh);
      map.on("resize", function () { refit(); refresh(); });
      map.on("dragstart", function () { st.moved = true; });
      map.on("zoomstart", function () { if (!st.fitting) st.moved = true; });
      map.on("popupopen", function (e) {
        st.popup = e.popup;
        guard("popup", function () { keepPopupClear(map, e.popup); });
      });
      map.on("popupclose", function (e) {
        if (st.popup === e.popup) st.popup = null;
        stepAside(map, null);
      });
      setReady();
    };
    var fonts = document.fonts && document.fonts.ready;
    if (fonts && fonts.then) fonts.then(ready, ready);
    else ready();
  };
})();
