// The tracking map: world-atlas outlines (TopoJSON, drawn by Leaflet without tiles), a choropleth of
// internally displaced people by country, site markers, and incidents clustered with
// Leaflet.markercluster (or a small grid clustering when that plugin is absent).
(function () {
  "use strict";
  var el = document.getElementById("tracking-map");
  var status = document.getElementById("tracking-map-status");
  if (!el) { return; }
  if (!window.L || !window.topojson) {
    if (status) { status.textContent = "The map libraries did not load."; }
    return;
  }
  var COLOURS = ["#fff5eb", "#fdbe85", "#fd8d3c", "#d94701", "#8c2d04"];
  var STEPS = [1, 10000, 100000, 1000000];
  function colour(n) {
    var i = 0;
    while (i < STEPS.length && n >= STEPS[i]) { i += 1; }
    return COLOURS[i];
  }
  function unwrap(geometry) {  // rings crossing the antimeridian: keep longitudes continuous
    if (!geometry) { return; }
    var polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    polys.forEach(function (poly) {
      poly.forEach(function (ring) {
        for (var i = 1; i < ring.length; i += 1) {
          while (ring[i][0] - ring[i - 1][0] > 180) { ring[i][0] -= 360; }
          while (ring[i][0] - ring[i - 1][0] < -180) { ring[i][0] += 360; }
        }
      });
    });
  }
  function text(s) { var d = document.createElement("span"); d.textContent = String(s); return d.innerHTML; }
  var map = L.map(el, { worldCopyJump: true, preferCanvas: true, minZoom: 1, maxZoom: 10 }).setView([20, 10], 2);

  function gridClusters(points) {  // fallback: one marker per 2-degree cell
    var cells = {};
    points.forEach(function (p) {
      var key = Math.round(p[0] / 2) + ":" + Math.round(p[1] / 2);
      var c = cells[key] || (cells[key] = { lat: 0, lon: 0, n: 0, dead: 0 });
      c.lat += p[0]; c.lon += p[1]; c.n += 1; c.dead += p[2];
    });
    var layer = L.layerGroup();
    Object.keys(cells).forEach(function (k) {
      var c = cells[k];
      L.circleMarker([c.lat / c.n, c.lon / c.n], { radius: 4 + Math.log(c.n + 1) * 2, color: "#444", weight: 1, fillColor: "#333", fillOpacity: 0.6 })
        .bindPopup(c.n + " · " + text(el.dataset.labelDead) + ": " + c.dead).addTo(layer);
    });
    return layer;
  }

  Promise.all([fetch(el.dataset.outlines).then(function (r) { return r.json(); }),
               fetch(el.dataset.source, { credentials: "same-origin" }).then(function (r) { return r.json(); })])
    .then(function (loaded) {
      var world = loaded[0], data = loaded[1];
      var idps = {};
      data.countries.forEach(function (c) { if (c.numeric) { idps[c.numeric] = c; } });
      var shapes = topojson.feature(world, world.objects.countries);
      shapes.features = shapes.features.filter(function (f) { return f.id !== "010"; });  // Antarctica
      shapes.features.forEach(function (f) { unwrap(f.geometry); });
      L.geoJSON(shapes, {
        style: function (f) {
          var c = idps[f.id];
          return { color: "#777", weight: 0.6, fillOpacity: c ? 0.85 : 0.5, fillColor: c ? colour(c.idps) : "#f4f4f4" };
        },
        onEachFeature: function (f, layer) {
          var c = idps[f.id];
          var name = (f.properties && f.properties.name) || "";
          layer.bindTooltip(text(name) + (c ? " · " + text(el.dataset.labelIdps) + ": " + c.idps.toLocaleString() : ""));
        }
      }).addTo(map);
      var sites = L.layerGroup();
      data.sites.forEach(function (s) {
        L.marker([s.lat, s.lon], { title: s.name })
          .bindPopup(text(el.dataset.labelSite) + ": " + text(s.code + " · " + s.name) +
                     (s.capacity ? "<br>" + text(el.dataset.labelCapacity) + ": " + s.capacity : ""))
          .addTo(sites);
      });
      (data.flow_points || []).forEach(function (p) {
        L.circleMarker([p.lat, p.lon], { radius: 7, color: "#0b3d91", weight: 2, fillColor: "#4f8fe8", fillOpacity: 0.9 })
          .bindPopup(text(el.dataset.labelFlow) + ": " + text(p.code + " · " + p.name))
          .addTo(sites);
      });
      sites.addTo(map);
      var clusters;
      var finished = function () {
        el.dataset.ready = String(data.incidents.length);
        el.dataset.readyMs = String(Math.round(performance.now()));
      };
      if (L.markerClusterGroup) {
        clusters = L.markerClusterGroup({
          chunkedLoading: true, showCoverageOnHover: false,
          chunkProgress: function (done, total) { if (done === total) { finished(); } }
        });
        var style = { radius: 4, color: "#333", weight: 1, fillColor: "#c00", fillOpacity: 0.7 };
        var markers = data.incidents.map(function (p) {
          var m = L.circleMarker([p[0], p[1]], style);
          m.incident = p;
          return m;
        });
        clusters.on("click", function (e) {  // one popup for the group, not one per marker
          var p = e.layer.incident;
          if (p) { L.popup().setLatLng(e.latlng).setContent(p[3] + " · " + text(el.dataset.labelDead) + ": " + p[2]).openOn(map); }
        });
        clusters.addLayers(markers);
        if (!markers.length) { finished(); }
      } else {
        clusters = gridClusters(data.incidents);
        finished();
      }
      clusters.addTo(map);
      var legend = L.control({ position: "bottomleft" });
      legend.onAdd = function () {
        var div = L.DomUtil.create("div", "tracking-legend");
        var html = "<strong>" + text(el.dataset.labelIdps) + "</strong><br>";
        var bounds = [0].concat(STEPS);
        for (var i = 0; i < COLOURS.length; i += 1) {
          var range = i === 0 ? "0" : bounds[i].toLocaleString() + (i + 1 < bounds.length ? "–" + (bounds[i + 1] - 1).toLocaleString() : "+");
          html += '<i class="c' + i + '"></i>' + range + "<br>";
        }
        div.innerHTML = html;
        return div;
      };
      legend.addTo(map);
      var overlays = {};
      overlays[el.dataset.labelSites] = sites;
      overlays[el.dataset.labelIncidents] = clusters;
      L.control.layers(null, overlays).addTo(map);
      if (status) {
        status.textContent = el.dataset.labelIncidents + ": " + data.incidents.length.toLocaleString() + " · " +
          el.dataset.labelSites + ": " + data.sites.length.toLocaleString();
      }
    })
    .catch(function (err) { if (status) { status.textContent = String(err); } });
}());
