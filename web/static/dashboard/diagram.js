/* Case dashboard: a bpmn-js NavigatedViewer with the case's markers, or a process's
   waiting counts drawn as overlays. Data comes from JSON script tags rendered by the server. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function mark(viewer, ids, marker) {
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    (ids || []).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, marker); }
    });
  }

  function overlays(viewer, counts) {
    var registry = viewer.get("elementRegistry");
    var layer = viewer.get("overlays");
    Object.keys(counts || {}).forEach(function (id) {
      if (!registry.get(id)) { return; }
      var badge = document.createElement("div");
      badge.className = "waiting-count";
      badge.textContent = String(counts[id]);
      badge.title = counts[id] + " waiting";
      badge.dataset.elementId = id;
      layer.add(id, "waiting-count", { position: { top: -12, right: 12 }, html: badge });
    });
  }

  function untilBadges(viewer, items) {
    var registry = viewer.get("elementRegistry");
    var layer = viewer.get("overlays");
    (items || []).forEach(function (item) {
      if (!registry.get(item.id)) { return; }
      var badge = document.createElement("div");
      badge.className = "wait-until";
      badge.textContent = "\u23F1 " + item.label;
      badge.dataset.elementId = item.id;
      layer.add(item.id, "wait-until", { position: { bottom: -6, left: -20 }, html: badge });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("diagram");
    var xml = readJson("bpmn-xml");
    if (!node || !xml || !window.BpmnJS) { return; }
    var viewer = new window.BpmnJS({ container: node });
    viewer.importXML(xml).then(function () {
      viewer.get("canvas").zoom("fit-viewport");
      var markers = readJson("markers");
      if (markers) {
        mark(viewer, markers.completed, "case-done");
        mark(viewer, markers.waiting, "case-waiting");
        mark(viewer, markers.active, "case-active");
        mark(viewer, markers.failed, "case-failed");
        untilBadges(viewer, markers.until);
      }
      overlays(viewer, readJson("counts"));
      node.dataset.ready = "yes";
    }).catch(function (err) {
      node.textContent = "The diagram could not be shown: " + err.message;
    });
  });
}());
