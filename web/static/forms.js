/* Alliance Workflow: render a form-js form, post its data as JSON, show the diagram.
 *
 * File pickers: a file chosen in a form-js file picker is uploaded at once (the form's
 * data-upload-url) and the field's value becomes the server's document references
 * ([{"document_id": 12, "name": ...}]) when the form is sent or its draft saved. Documents
 * already attached (a revision's v1) are shown in the picker by name and kept unless another
 * file is chosen.
 * Drafts: what is typed is saved on the server (data-draft-url) a moment after each change
 * and when the page is hidden; the server puts it back into the form on the next visit.
 */
(function () {
  "use strict";

  var FILES_PREFIX = "files::";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function csrfToken() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }

  function isReferences(value) {
    return Array.isArray(value) && value.length > 0 && value.every(function (item) {
      return item && typeof item === "object" && typeof item.document_id === "number";
    });
  }

  /* Documents the server knows (references) and files chosen here, for every file picker. */
  function FileSupport(viewer, uploadUrl, status) {
    this.viewer = viewer;
    this.uploadUrl = uploadUrl;
    this.status = status;
    this.references = new WeakMap();  // File -> reference from the server
    this.pending = new Map();         // File -> upload promise
    this.placed = {};                 // files key -> placeholder files of known references
    this.failed = null;
    this.counter = 0;
  }

  /* Replace reference lists in `data` by file keys whose placeholder files carry the names. */
  FileSupport.prototype.prepare = function (data) {
    var self = this;
    function walk(value) {
      if (isReferences(value)) {
        var key = FILES_PREFIX + "known-" + (self.counter += 1);
        self.placed[key] = value.map(function (ref) {
          var file = new File([], ref.name || ("document " + ref.document_id),
                              { type: ref.content_type || "application/octet-stream" });
          self.references.set(file, ref);
          return file;
        });
        return key;
      }
      if (Array.isArray(value)) { return value.map(walk); }
      if (value && typeof value === "object") {
        var out = {};
        Object.keys(value).forEach(function (k) { out[k] = walk(value[k]); });
        return out;
      }
      return value;
    }
    return walk(data);
  };

  /* After form-js clears its file registry on import, put the known documents in it. */
  FileSupport.prototype.install = function () {
    var self = this;
    var registry = this.viewer.get("fileRegistry");
    this.viewer.get("eventBus").on("form.clear", 500, function () {
      Object.keys(self.placed).forEach(function (key) { registry.setFiles(key, self.placed[key]); });
    });
    this.viewer.on("changed", function () { self.uploadNew(); });
  };

  FileSupport.prototype.fieldOf = function (key) {
    var found = null;
    (function walk(value, name) {
      if (found) { return; }
      if (value === key) { found = name; return; }
      if (value && typeof value === "object") {
        Object.keys(value).forEach(function (k) { walk(value[k], Array.isArray(value) ? name : k); });
      }
    }(this.viewer._getState().data, null));
    return found;
  };

  FileSupport.prototype.upload = function (file, field) {
    var self = this;
    var body = new FormData();
    body.append("file", file);
    if (field) { body.append("field", field); }
    this.say(this.status.dataset.uploading.replace("{name}", file.name));
    var promise = fetch(this.uploadUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) {
          throw new Error(answer.detail || answer.message || answer.title || String(response.status));
        }
        self.references.set(file, answer.document);
        self.say(self.status.dataset.uploaded.replace("{name}", file.name));
        return answer.document;
      });
    }).catch(function (err) {
      self.failed = file.name + ": " + err.message;
      self.say(self.failed, true);
      throw err;
    }).finally(function () { self.pending.delete(file); });
    this.pending.set(file, promise);
    return promise;
  };

  FileSupport.prototype.uploadNew = function () {
    var self = this;
    if (!this.uploadUrl) { return; }
    this.viewer.get("fileRegistry").getAllFiles().forEach(function (files, key) {
      files.forEach(function (file) {
        if (!self.references.has(file) && !self.pending.has(file)) {
          self.failed = null;
          self.upload(file, self.fieldOf(key)).catch(function () { /* shown in the status line */ });
        }
      });
    });
  };

  /* Resolves when every chosen file is uploaded (rejects if one could not be). */
  FileSupport.prototype.settled = function () {
    var self = this;
    this.uploadNew();
    return Promise.all(Array.from(this.pending.values())).then(function () {
      if (self.failed) { throw new Error(self.failed); }
    });
  };

  /* `data` with each file key replaced by the references of its files. */
  FileSupport.prototype.resolve = function (data) {
    var self = this;
    var registry = this.viewer.get("fileRegistry");
    function walk(value) {
      if (typeof value === "string" && value.indexOf(FILES_PREFIX) === 0) {
        var refs = registry.getFiles(value).map(function (f) { return self.references.get(f); })
          .filter(Boolean);
        return refs.length ? refs : null;
      }
      if (Array.isArray(value)) { return value.map(walk); }
      if (value && typeof value === "object") {
        var out = {};
        Object.keys(value).forEach(function (k) { out[k] = walk(value[k]); });
        return out;
      }
      return value;
    }
    return walk(data);
  };

  FileSupport.prototype.say = function (text, error) {
    if (!this.status) { return; }
    this.status.textContent = text;
    this.status.classList.toggle("form-error", Boolean(error));
  };

  /* Saves the form's input as the user's draft, a moment after each change. */
  function Drafts(viewer, files, url, status) {
    this.viewer = viewer;
    this.files = files;
    this.url = url;
    this.status = status;
    this.timer = null;
    this.dirty = false;
    this.stopped = false;
  }

  Drafts.prototype.install = function () {
    var self = this;
    this.viewer.on("changed", function () {
      if (self.stopped) { return; }
      self.dirty = true;
      window.clearTimeout(self.timer);
      self.timer = window.setTimeout(function () { self.save(false); }, 800);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { self.save(true); }
    });
  };

  Drafts.prototype.save = function (leaving) {
    var self = this;
    if (!this.dirty || this.stopped) { return Promise.resolve(); }
    this.dirty = false;
    var send = function () {
      var data = self.files.resolve(self.viewer._getSubmitData());
      return fetch(self.url, {
        method: "POST", credentials: "same-origin", keepalive: Boolean(leaving),
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ data: data })
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function () {
        var now = new Date();
        self.status.textContent = self.status.dataset.saved.replace(
          "{time}", now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
        self.status.dataset.state = "saved";
      }).catch(function () {
        self.dirty = true;
        self.status.textContent = self.status.dataset.failed;
        self.status.dataset.state = "failed";
      });
    };
    return leaving ? send() : this.files.settled().then(send, function () { self.dirty = true; });
  };

  function setupForm() {
    var htmlForm = document.getElementById("task-form");
    if (!htmlForm) { return; }
    var field = document.getElementById("form-data-field");
    var container = document.getElementById("form-container");
    var schema = readJson("form-schema");
    if (!schema || !container || !window.FormViewer) {
      htmlForm.addEventListener("submit", function () { field.value = "{}"; });
      return;
    }
    var viewer = new window.FormViewer.Form({ container: container });
    var uploadStatus = document.getElementById("upload-status");
    var files = new FileSupport(viewer, htmlForm.dataset.uploadUrl, uploadStatus);
    files.install();
    var drafts = null;
    var draftStatus = document.getElementById("draft-status");
    if (htmlForm.dataset.draftUrl && draftStatus) {
      drafts = new Drafts(viewer, files, htmlForm.dataset.draftUrl, draftStatus);
      drafts.install();
    }
    var values = files.prepare(readJson("form-values") || {});
    var ready = viewer.importSchema(schema, values).then(function () {
      var errors = readJson("form-errors") || {};
      if (Object.keys(errors).length) {
        viewer._setState({ errors: errors });  // the server's messages under each field
      }
      htmlForm.dataset.ready = "yes";
    }).catch(function (err) {
      container.textContent = "The form could not be shown: " + err.message;
    });
    htmlForm.addEventListener("submit", function (event) {
      event.preventDefault();
      ready.then(function () { return files.settled(); }).then(function () {
        var result = viewer.submit();
        if (Object.keys(result.errors).length) {
          var first = container.querySelector(".fjs-has-errors input, .fjs-has-errors textarea");
          if (first) { first.focus(); }
          return;
        }
        if (drafts) { drafts.stopped = true; window.clearTimeout(drafts.timer); }
        field.value = JSON.stringify(files.resolve(result.data));
        htmlForm.submit();
      }).catch(function () { /* the upload's error is shown in the status line */ });
    });
  }

  function setupDiagram() {
    var canvasNode = document.getElementById("diagram");
    var xml = readJson("bpmn-xml");
    if (!canvasNode || !xml || !window.BpmnJS) { return; }
    var viewer = new window.BpmnJS({ container: canvasNode });
    viewer.importXML(xml).then(function () {
      var canvas = viewer.get("canvas");
      canvas.zoom("fit-viewport");
      var elementId = canvasNode.dataset.elementId;
      if (elementId && viewer.get("elementRegistry").get(elementId)) {
        canvas.addMarker(elementId, "current-task");
      }
      canvasNode.dataset.ready = "yes";
    }).catch(function (err) {
      canvasNode.textContent = "The diagram could not be shown: " + err.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupForm();
    setupDiagram();
  });
}());
