// Starts Swagger UI for /api/v1/docs from a file (the Content-Security-Policy allows no
// inline script), as flask-smorest's own page does inline: the spec's URL, then the
// settings from the page's JSON block.
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  var setup = { url: container.dataset.specUrl, dom_id: "#swagger-ui-container" };
  var extra = JSON.parse(document.getElementById("swagger-ui-config").textContent);
  Object.keys(extra).forEach(function (key) { setup[key] = extra[key]; });
  window.ui = window.SwaggerUIBundle(setup);
});
