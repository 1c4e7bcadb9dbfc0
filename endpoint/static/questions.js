/* The questions page: lists /api/questions and answers each question's form in a table. */
"use strict";

(function () {
  var box = document.getElementById("questions");
  var errorBox = document.getElementById("error");
  var lang = box.getAttribute("data-lang") || sira.lang();
  var el = sira.el;

  /* A text in the page's language from "x", {"en": "x", "fr": "y"} or obj.key_en / key_fr. */
  function text(obj, key) {
    if (!obj) { return ""; }
    var v = obj[key];
    if (v && typeof v === "object" && !Array.isArray(v)) { v = v[lang] || v.en || ""; }
    return v || obj[key + "_" + lang] || obj[key + "_en"] || "";
  }

  function asList(value, nameKey) {
    if (!value) { return []; }
    if (Array.isArray(value)) { return value; }
    return Object.keys(value).map(function (k) {
      var item = Object.assign({}, value[k]);
      if (!item[nameKey]) { item[nameKey] = k; }
      return item;
    });
  }

  /* One cell of an answer: a plain value, an IRI, {value, label}, or a list of those. */
  function cell(value) {
    if (Array.isArray(value)) {
      var frag = document.createDocumentFragment();
      value.forEach(function (v, i) {
        if (i) { frag.appendChild(document.createTextNode(", ")); }
        frag.appendChild(cell(v));
      });
      return frag;
    }
    if (value && typeof value === "object") {
      var iri = value.iri || value.id || (value.type === "uri" ? value.value : null);
      if (!iri && typeof value.value === "string" && /^https?:\/\//.test(value.value)) {
        iri = value.value;
      }
      if (iri) { return sira.iriLink(iri, value.label || null); }
      return sira.term({ type: "literal", value: value.label || value.value });
    }
    return sira.term(value);
  }

  function answerTable(data) {
    var columns = asList(data.columns || data.head && data.head.vars, "name").map(function (c) {
      return typeof c === "string" ? { name: c, title: c } : c;
    });
    var rows = data.rows || (data.results && data.results.bindings) || [];
    if (!columns.length && rows.length && !Array.isArray(rows[0])) {
      columns = Object.keys(rows[0]).map(function (k) { return { name: k, title: k }; });
    }
    var tbl = el("table", { "class": "results" });
    var tr = el("tr");
    columns.forEach(function (c) { tr.appendChild(el("th", { scope: "col" }, text(c, "title") || c.name)); });
    tbl.appendChild(el("thead")).appendChild(tr);
    var body = tbl.appendChild(el("tbody"));
    rows.forEach(function (row) {
      var r = body.appendChild(el("tr"));
      columns.forEach(function (c, i) {
        var td = r.appendChild(el("td"));
        td.appendChild(cell(Array.isArray(row) ? row[i] : row[c.name]));
      });
    });
    return tbl;
  }

  function questionSection(q) {
    var name = q.name || q.id;
    var section = el("section", { "class": "question", id: "q-" + name, "aria-labelledby": "h-" + name });
    section.appendChild(el("h2", { id: "h-" + name }, text(q, "title") || name));
    section.appendChild(el("p", { "class": "muted" }, "/api/questions/" + name));
    var desc = text(q, "description");
    if (desc) { section.appendChild(el("p", {}, desc)); }
    var form = section.appendChild(el("form", { "class": "question-form", "data-question": name }));
    var params = asList(q.parameters || q.params, "name");
    params.forEach(function (p) {
      var id = "p-" + name + "-" + p.name;
      var row = form.appendChild(el("div", { "class": "param" }));
      var label = row.appendChild(el("label", { "for": id }, p.name + (p.required ? " *" : "")));
      var help = text(p, "description");
      var input = el("input", { id: id, name: p.name, type: p.type === "date" ? "date" : "text" });
      if (p.example !== undefined && p.example !== null) { input.placeholder = String(p.example); }
      if (p["default"] !== undefined && p["default"] !== null) { input.value = String(p["default"]); }
      if (p.required) { input.required = true; }
      row.appendChild(input);
      var type = p.type ? " (" + p.type + (p.scheme ? ": " + p.scheme : "") + ")" : "";
      if (help || type) {
        var small = row.appendChild(el("small", { id: id + "-help" }, help + type));
        input.setAttribute("aria-describedby", small.id);
      }
      label.title = help;
    });
    var actions = form.appendChild(el("div", { "class": "row" }));
    actions.appendChild(el("button", { type: "submit" }, lang === "fr" ? "Répondre" : "Answer"));
    var csv = actions.appendChild(el("a", { "class": "csv", hidden: "" }, lang === "fr" ? "Télécharger en CSV" : "Download CSV"));
    var status = actions.appendChild(el("output", { "aria-live": "polite" }));
    var err = section.appendChild(el("div", { "class": "message error", role: "alert", hidden: "" }));
    var out = section.appendChild(el("div", { "class": "answer" }));
    var more = section.appendChild(el("button", { type: "button", "class": "more", hidden: "" },
      lang === "fr" ? "Lignes suivantes" : "More rows"));
    var shown = null;  // the answer so far: its columns and the rows of the pages fetched

    /* Fetch one page (the first, or the "next" URL of the last) and show every row so far. */
    function fetchPage(url, first) {
      err.hidden = true;
      more.hidden = true;
      status.textContent = "…";
      fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
        return response.text().then(function (body) {
          status.textContent = "";
          if (!response.ok) {
            var message = body;
            try { message = JSON.parse(body).error || body; } catch (e) { /* plain text */ }
            sira.showError(err, response.status, message);
            if (first) { csv.hidden = true; }
            return;
          }
          var data = JSON.parse(body);
          shown = first ? data : Object.assign(data, { rows: shown.rows.concat(data.rows || []) });
          var n = (shown.rows || []).length;
          var rows = lang === "fr" ? (n === 1 ? " ligne" : " lignes") : (n === 1 ? " row" : " rows");
          var follow = lang === "fr" ? " ; la suite existe" : "; more follow";
          status.textContent = n + rows + (data.next ? follow : "");
          out.textContent = "";
          out.appendChild(answerTable(shown));
          more.hidden = !data.next;
          more.setAttribute("data-next", data.next || "");
        });
      }).catch(function (e) {
        status.textContent = "";
        sira.showError(err, null, "the request failed: " + e);
      });
    }

    more.addEventListener("click", function () {
      var next = more.getAttribute("data-next");
      if (next) { fetchPage(next, false); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) {
        if (String(value).trim() !== "") { params.append(key, String(value).trim()); }
      });
      params.set("lang", lang);
      var limit = form.getAttribute("data-limit");  // a page size from the page's URL
      if (limit) { params.set("limit", limit); }
      out.textContent = "";
      fetchPage("/api/questions/" + encodeURIComponent(name) + "?" + params.toString(), true);
      params.delete("limit");  // the CSV is the whole answer
      params.set("format", "csv");
      csv.href = "/api/questions/" + encodeURIComponent(name) + "?" + params.toString();
      csv.hidden = false;
    });
    return section;
  }

  /* /questions?question=NAME&param=value… fills that question's form and answers it. */
  function autorun(query) {
    var name = query.get("question");
    if (!name) { return; }
    var form = box.querySelector('form[data-question="' + CSS.escape(name) + '"]');
    if (!form) {
      sira.showError(errorBox, null, "no question named " + name);
      return;
    }
    query.forEach(function (value, key) {
      var input = form.elements.namedItem(key);
      if (input && input.tagName === "INPUT") { input.value = value; }
    });
    if (query.get("limit")) { form.setAttribute("data-limit", query.get("limit")); }
    form.requestSubmit();
    form.closest("section").scrollIntoView();
  }

  fetch("/api/questions?lang=" + lang, { headers: { Accept: "application/json" } })
    .then(function (response) {
      return response.text().then(function (body) {
        var loading = document.getElementById("questions-loading");
        if (loading) { loading.remove(); }
        if (!response.ok) {
          sira.showError(errorBox, response.status, "the questions could not be listed: " + body);
          return;
        }
        var data = JSON.parse(body);
        var list = asList(Array.isArray(data) ? data : data.questions, "name");
        var nav = box.appendChild(el("nav", { "aria-label": "Questions" }));
        var ul = nav.appendChild(el("ul", { "class": "question-index" }));
        list.forEach(function (q) {
          var name = q.name || q.id;
          ul.appendChild(el("li")).appendChild(el("a", { href: "#q-" + name }, text(q, "title") || name));
        });
        list.forEach(function (q) { box.appendChild(questionSection(q)); });
        autorun(new URLSearchParams(window.location.search));
        if (window.location.hash) {
          var target = document.getElementById(window.location.hash.slice(1));
          if (target) { target.scrollIntoView(); }
        }
      });
    })
    .catch(function (e) { sira.showError(errorBox, null, "the questions could not be listed: " + e); });
})();
