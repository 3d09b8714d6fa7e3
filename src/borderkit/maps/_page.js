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
      map._bk = { labels: [], overlays: [], bases: [], guides: [], order: 0 };
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
            layer.bindPopup(function () {
              return popup(p.p);
            }, { maxWidth: 340 });
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
          layer: group,
          at: ll(lab),
          text: lab[2],
          prio: lab[3],
          r: s.geom === "point" ? s.radius + 3 : 0,
          cls: "bk-label bk-label-" + m.kind,
          order: map._bk.order++,
          node: null,
        });
      });
    });
  };

  // ------------------------------------------------------------------ labels
  function overlaps(a, list) {
    for (var i = 0; i < list.length; i++) {
      var b = list[i];
      if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) return true;
    }
    return false;
  }

  function candidates(lab) {
    var w = lab.w, h = lab.h, r = lab.clear;
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

  bk.placeLabels = function (map) {
    var st = map._bk;
    var labelPane = map.getPane("bk-labels");
    var size = map.getSize();
    var origin = map.containerPointToLayerPoint([0, 0]);
    var view = [origin.x, origin.y, origin.x + size.x, origin.y + size.y];
    var placed = [];
    var markers = [];
    var todo = st.labels.filter(function (lab) {
      var on = map.hasLayer(lab.layer);
      if (!on && lab.node) lab.node.style.display = "none";
      return on;
    });
    todo.forEach(function (lab) {
      lab.pt = map.latLngToLayerPoint(lab.at);
      if (lab.r > 0) {
        var q = lab.r - 2;
        markers.push([lab.pt.x - q, lab.pt.y - q, lab.pt.x + q, lab.pt.y + q]);
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
    // labels never hide under the title, legend, inset and other panels
    var box = map.getContainer().getBoundingClientRect();
    Array.prototype.forEach.call(
      map.getContainer().querySelectorAll(".leaflet-control"),
      function (node) {
        var r = node.getBoundingClientRect();
        if (!r.width || !r.height) return;
        var a = map.containerPointToLayerPoint([r.left - box.left - 2, r.top - box.top - 2]);
        var b = map.containerPointToLayerPoint([r.right - box.left + 2, r.bottom - box.top + 2]);
        markers.push([a.x, a.y, b.x, b.y]);
      }
    );
    // distance lines on the map, as small boxes every few pixels along them
    var lines = [];
    st.guides.forEach(function (group) {
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
    function onLine(box, lab) {
      for (var i = 0; i < lines.length; i++) {
        var b = lines[i];
        if (b[4] !== lab.layer && box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]) {
          return true;
        }
      }
      return false;
    }
    todo.sort(function (a, b) {
      return b.prio - a.prio || a.order - b.order;
    });
    todo.forEach(function (lab) {
      if (!lab.node) {
        lab.node = el("div", lab.cls, lab.text);
        labelPane.appendChild(lab.node);
        lab.w = lab.node.offsetWidth;
        lab.h = lab.node.offsetHeight;
      }
      var best = null;
      var cands = candidates(lab);
      // place labels: first a spot off the distance lines, failing that any free spot
      // (labels of lines and areas keep to their own anchors, as before)
      for (var pass = 0; pass < 2 && !best; pass++) {
        for (var i = 0; i < cands.length && !best; i++) {
          var x = lab.pt.x + cands[i][0], y = lab.pt.y + cands[i][1];
          var box = [x, y, x + lab.w, y + lab.h];
          var inside = box[0] >= view[0] && box[1] >= view[1] && box[2] <= view[2] &&
                       box[3] <= view[3];
          if (inside && !overlaps(box, placed) && !overlaps(box, markers) &&
              (pass === 1 || lab.r === 0 || !onLine(box, lab))) best = box;
        }
      }
      if (best) {
        placed.push(best);
        L.DomUtil.setPosition(lab.node, L.point(best[0], best[1]));
        lab.node.style.display = "";
      } else {
        lab.node.style.display = "none";
      }
    });
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

  // width kept free on the right for the legend and inset column (when it is narrow)
  function rightColumn(map) {
    var width = 0;
    ["topright", "bottomright"].forEach(function (corner) {
      var node = map._controlCorners && map._controlCorners[corner];
      if (!node) return;
      Array.prototype.forEach.call(node.children, function (c) {
        if (!c.classList.contains("leaflet-control-layers")) width = Math.max(width, c.offsetWidth);
      });
    });
    return width > 0 && width < map.getSize().x * 0.35 ? width + 10 : 0;
  }

  function fit(map, b) {
    var ok =
      b && b.length === 4 && b.every(function (v) { return typeof v === "number" && isFinite(v); }) &&
      b[0] < b[2] && b[1] < b[3];
    if (ok) {
      map.fitBounds(L.latLngBounds(ll([b[0], b[1]]), ll([b[2], b[3]])), {
        animate: false,
        paddingTopLeft: [0, 0],
        paddingBottomRight: [rightColumn(map), 0],
      });
    } else {
      window.borderkitErrors.push("map extent is not finite; showing the whole world");
      map.setView([0, 0], 2, { animate: false });
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

  bk.finish = function (map, o) {
    if (!map) {
      window.borderkitErrors.push("the map could not be created");
      setReady();
      return;
    }
    var st = map._bk;
    (o.panels || []).forEach(function (entry) {
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
    guard("fit", function () {
      fit(map, o.bounds);
    });
    var refresh = function () {
      guard("labels", function () { bk.placeLabels(map); });
      guard("scale", function () { bk.updateScale(map); });
      guard("inset", function () { bk.updateInset(map); });
    };
    var ready = function () {
      refresh();
      map.on("zoomend moveend overlayadd overlayremove resize", refresh);
      setReady();
    };
    var fonts = document.fonts && document.fonts.ready;
    if (fonts && fonts.then) fonts.then(ready, ready);
    else ready();
  };
})();
