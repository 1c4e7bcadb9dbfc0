/* The query editor: runs the textarea's query at /sparql with fetch and shows a table. */
"use strict";

(function () {
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  var examples = document.getElementById("examples");
  var results = document.getElementById("results");
  var errorBox = document.getElementById("error");
  var status = document.getElementById("status");
  var csv = document.getElementById("download-csv");
  var json = document.getElementById("download-json");
  var texts = document.getElementById("example-texts").content.querySelectorAll("pre");

  examples.addEventListener("change", function () {
    if (examples.value !== "") {
      textarea.value = texts[Number(examples.value)].textContent;
      textarea.focus();
    }
  });

  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });

  function downloadLink(a, query, format) {
    a.href = "/sparql?query=" + encodeURIComponent(query) + "&format=" + format;
    a.hidden = false;
  }

  function run() {
    var query = textarea.value;
    errorBox.hidden = true;
    results.textContent = "";
    status.textContent = "Running…";
    var url = new URL(window.location.href);
    url.searchParams.set("query", query);
    window.history.replaceState(null, "", url.toString());
    var started = performance.now();
    fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json, text/turtle;q=0.9"
      },
      body: "query=" + encodeURIComponent(query)
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return response.text().then(function (text) {
        var ms = Math.round(performance.now() - started);
        if (!response.ok) {
          status.textContent = "";
          sira.showError(errorBox, response.status, text);
          csv.hidden = json.hidden = true;
          return;
        }
        if (type.indexOf("json") >= 0) {
          show(JSON.parse(text), ms, query);
        } else {
          status.textContent = "Graph result in " + ms + " ms";
          results.appendChild(sira.el("pre", { "class": "graph-result" }, text));
          csv.hidden = json.hidden = true;
        }
      });
    }).catch(function (err) {
      status.textContent = "";
      sira.showError(errorBox, null, "the request failed: " + err);
    });
  }

  function show(data, ms, query) {
    if (data.boolean !== undefined) {
      status.textContent = "ASK answered in " + ms + " ms";
      results.appendChild(sira.el("p", { "class": "boolean" }, String(data.boolean)));
      csv.hidden = json.hidden = true;
      return;
    }
    var vars = data.head.vars;
    var rows = data.results.bindings.map(function (b) {
      return vars.map(function (v) { return b[v]; });
    });
    var n = rows.length;
    status.textContent = n + (n === 1 ? " row" : " rows") + " in " + ms + " ms";
    results.appendChild(sira.table(vars, rows));
    downloadLink(csv, query, "csv");
    downloadLink(json, query, "json");
  }

  if (form.getAttribute("data-autorun") === "true") {
    run();
  }
})();
