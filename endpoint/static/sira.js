/* Shared helpers of the sira-kg pages: links to resource pages, SPARQL JSON terms, tables.
   Plain browser JavaScript, no library, nothing fetched from another site. */
"use strict";

var sira = (function () {
  var ID = "https://w3id.org/sira/id/";
  var PREFIXES = [
    ["sira", "https://w3id.org/sira/ns#"],
    ["id", ID],
    ["graph", "https://w3id.org/sira/graph/"],
    ["rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"],
    ["rdfs", "http://www.w3.org/2000/01/rdf-schema#"],
    ["owl", "http://www.w3.org/2002/07/owl#"],
    ["xsd", "http://www.w3.org/2001/XMLSchema#"],
    ["skos", "http://www.w3.org/2004/02/skos/core#"],
    ["org", "http://www.w3.org/ns/org#"],
    ["dct", "http://purl.org/dc/terms/"],
    ["prov", "http://www.w3.org/ns/prov#"],
    ["dcat", "http://www.w3.org/ns/dcat#"],
    ["schema", "http://schema.org/"]
  ];

  function lang() {
    return document.documentElement.getAttribute("lang") || "en";
  }

  /* The page of an IRI on this server (our instances under /id/, anything else /resource). */
  function resourceHref(iri) {
    if (iri.indexOf(ID) === 0 && iri.length > ID.length && iri.indexOf("#") < 0) {
      return "/id/" + iri.slice(ID.length).split("/").map(encodeURIComponent).join("/");
    }
    return "/resource?iri=" + encodeURIComponent(iri);
  }

  function compact(iri) {
    for (var i = 0; i < PREFIXES.length; i++) {
      var ns = PREFIXES[i][1];
      var rest = iri.slice(ns.length);
      var slashes = ns === ID || PREFIXES[i][0] === "graph";
      if (iri.indexOf(ns) === 0 && rest.length > 0 && (slashes || rest.indexOf("/") < 0)) {
        return PREFIXES[i][0] + ":" + rest;
      }
    }
    return iri;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function iriLink(iri, label) {
    return el("a", { href: resourceHref(iri), title: iri, "class": "iri-link" }, label || compact(iri));
  }

  /* One cell of a SPARQL JSON result (or a plain value) as DOM. */
  function term(t) {
    if (t === undefined || t === null) { return document.createTextNode(""); }
    if (typeof t !== "object") {
      var s = String(t);
      return /^https?:\/\//.test(s) ? iriLink(s) : document.createTextNode(s);
    }
    if (t.type === "uri") { return iriLink(t.value, t.label); }
    if (t.type === "bnode") { return el("span", { "class": "bnode" }, "_:" + t.value); }
    var span = el("span", { "class": "literal" }, t.value);
    var wrap = document.createDocumentFragment();
    wrap.appendChild(span);
    if (t["xml:lang"]) {
      span.setAttribute("lang", t["xml:lang"]);
      wrap.appendChild(el("span", { "class": "tag" }, " @" + t["xml:lang"]));
    }
    return wrap;
  }

  /* A results table: columns (names) and rows (arrays of cells). */
  function table(columns, rows, caption) {
    var tbl = el("table", { "class": "results" });
    if (caption) { tbl.appendChild(el("caption", {}, caption)); }
    var head = el("thead");
    var tr = el("tr");
    columns.forEach(function (c) { tr.appendChild(el("th", { scope: "col" }, c)); });
    head.appendChild(tr);
    tbl.appendChild(head);
    var body = el("tbody");
    rows.forEach(function (row) {
      var r = el("tr");
      row.forEach(function (cell) {
        var td = el("td");
        if (Array.isArray(cell)) {
          cell.forEach(function (c, i) {
            if (i) { td.appendChild(document.createTextNode(", ")); }
            td.appendChild(term(c));
          });
        } else {
          td.appendChild(term(cell));
        }
        r.appendChild(td);
      });
      body.appendChild(r);
    });
    tbl.appendChild(body);
    return tbl;
  }

  function showError(box, status, text) {
    box.hidden = false;
    box.textContent = "";
    box.appendChild(el("strong", {}, status ? "Error " + status + ": " : "Error: "));
    box.appendChild(el("pre", {}, (text || "").trim() || "no message"));
  }

  return { lang: lang, resourceHref: resourceHref, compact: compact, el: el, term: term,
           table: table, showError: showError, iriLink: iriLink };
})();
