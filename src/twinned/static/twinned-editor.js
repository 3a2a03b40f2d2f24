// twinned: the SPARQL query editor (/editor; see explore.py). The textarea stays a
// plain form field; this file colours a copy of its text underneath, loads the canned
// queries as examples, runs queries at /sparql and shows the results as a table.
// Without it the form still runs the query (/sparql?format=html) and downloads results.
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("editor-data").textContent);
  // the endpoint is the form's action, which carries the path the site is served under
  // (twinned serve --root-path); the site's own links hang off the same path
  const endpoint = document.querySelector("form.editor-form").getAttribute("action");
  const root = endpoint.replace(/\/sparql$/, "");
  const form = document.querySelector("form.editor-form");
  const area = document.getElementById("editor-query");
  const code = document.querySelector(".editor pre code");
  const status = document.querySelector(".editor-status");
  const results = document.getElementById("editor-results");
  const examples = document.querySelector("form.editor-examples");
  const select = document.getElementById("editor-example");

  // -- highlighting --------------------------------------------------------------------------------
  const KEYWORDS = new Set(("base prefix select construct describe ask where from named distinct reduced as "
    + "optional union minus graph service silent filter bind values undef order by asc desc group having "
    + "limit offset not exists in a true false insert delete data load clear drop create add move copy with "
    + "using default all to into").split(" "));
  const FUNCTIONS = new Set(("str lang langmatches datatype bound iri uri bnode rand abs ceil floor round "
    + "concat strlen ucase lcase encode_for_uri contains strstarts strends strbefore strafter year month day "
    + "hours minutes seconds timezone tz now uuid struuid md5 sha1 sha256 sha384 sha512 coalesce if strlang "
    + "strdt sameterm isiri isuri isblank isliteral isnumeric regex substr replace count sum min max avg "
    + "sample group_concat separator").split(" "));
  const TOKEN = new RegExp([
    "(#[^\\n]*)",                                           // 1 comment
    "(<[^<>\"{}|^`\\\\\\s]*>)",                             // 2 IRI
    "(\"\"\"[\\s\\S]*?(?:\"\"\"|$)|'''[\\s\\S]*?(?:'''|$)|\"(?:[^\"\\\\\\n]|\\\\.)*\"?|'(?:[^'\\\\\\n]|\\\\.)*'?)",  // 3 string
    "([?$][A-Za-z0-9_\\u00C0-\\uFFFF]+)",                  // 4 variable
    "((?:[A-Za-z][\\w.-]*)?:(?:[\\w\\u00C0-\\uFFFF%.:-]*[\\w\\u00C0-\\uFFFF%:-])?)",  // 5 prefixed name
    "([+-]?(?:\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+))",   // 6 number
    "([A-Za-z_][A-Za-z0-9_]*)"                              // 7 word
  ].join("|"), "g");

  function escape(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function highlight(text) {
    let out = "", last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m[0] === "") { TOKEN.lastIndex++; continue; }
      out += escape(text.slice(last, m.index));
      let cls = m[1] ? "cm" : m[2] ? "iri" : m[3] ? "str" : m[4] ? "var" : m[5] ? "pn" : m[6] ? "num" : null;
      if (m[7]) {
        const word = m[7].toLowerCase();
        cls = KEYWORDS.has(word) ? "kw" : FUNCTIONS.has(word) ? "fn" : null;
      }
      out += cls ? "<span class=\"" + cls + "\">" + escape(m[0]) + "</span>" : escape(m[0]);
      last = m.index + m[0].length;
    }
    return out + escape(text.slice(last)) + "\n";
  }

  // the query's form: the first of SELECT, ASK, CONSTRUCT, DESCRIBE outside comments, IRIs, strings
  function queryForm(text) {
    let m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m[0] === "") { TOKEN.lastIndex++; continue; }
      const word = (m[7] || "").toUpperCase();
      if (["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"].includes(word)) return word;
    }
    return "SELECT";
  }

  function refresh() {
    code.innerHTML = highlight(area.value);
    area.style.height = "auto";
    area.style.height = Math.max(area.scrollHeight, 160) + "px";
    const graph = ["CONSTRUCT", "DESCRIBE"].includes(queryForm(area.value));
    form.querySelectorAll("button.download").forEach(function (b) {
      const csv = b.dataset.format === "csv";
      b.textContent = graph ? (csv ? "Download Turtle" : "Download JSON-LD") : (csv ? "Download CSV" : "Download JSON");
    });
  }

  document.querySelector(".editor").classList.add("highlighted");
  area.addEventListener("input", function () {
    refresh();
    select.value = "";  // no longer the example
  });
  refresh();

  // -- examples ----------------------------------------------------------------------------------
  examples.querySelector("button.load-example").hidden = true;
  select.addEventListener("change", function () {
    const example = data.examples[select.value];
    if (!example) return;
    area.value = example.text;
    refresh();
    const url = new URL(window.location.href);
    url.searchParams.set("example", select.value);
    url.searchParams.delete("query");
    window.history.replaceState(null, "", url);
    run();
  });
  examples.addEventListener("submit", function (evt) { evt.preventDefault(); });

  // -- running -----------------------------------------------------------------------------------
  function request(format) {
    const body = new URLSearchParams();
    body.set("query", area.value);
    const headers = { "Content-Type": "application/x-www-form-urlencoded" };
    if (format) body.set("format", format);
    else headers.Accept = "application/sparql-results+json, text/turtle;q=0.9";
    return fetch(endpoint, { method: "POST", headers: headers, body: body });
  }

  function problem(response) {
    return response.text().then(function (text) {
      let detail = response.status + " " + response.statusText;
      try { detail = JSON.parse(text).error.detail || detail; } catch (e) { /* not our JSON */ }
      throw new Error(detail);
    });
  }

  function setStatus(text, error) {
    status.textContent = text;
    status.classList.toggle("error", !!error);
  }

  function local(iri) {
    if (iri.startsWith(data.base)) return root + "/" + iri.slice(data.base.length);
    if (iri.startsWith("https://w3id.org/twinned/def/")) return root + "/def/" + iri.slice("https://w3id.org/twinned/def/".length);
    return null;
  }

  const SHORT = [["wd:", "http://www.wikidata.org/entity/"], ["tw:", "https://w3id.org/twinned/def/"],
    ["rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"], ["rdfs:", "http://www.w3.org/2000/01/rdf-schema#"],
    ["owl:", "http://www.w3.org/2002/07/owl#"], ["skos:", "http://www.w3.org/2004/02/skos/core#"],
    ["xsd:", "http://www.w3.org/2001/XMLSchema#"], ["dcterms:", "http://purl.org/dc/terms/"],
    ["prov:", "http://www.w3.org/ns/prov#"], ["schema:", "https://schema.org/"],
    ["geo:", "http://www.w3.org/2003/01/geo/wgs84_pos#"], ["org:", "http://www.w3.org/ns/org#"]];

  // an IRI as people read it: a path of this dataset, or prefix:name
  function short(iri) {
    for (const [prefix, ns] of SHORT) {
      if (iri.startsWith(ns) && iri.length > ns.length) return prefix + iri.slice(ns.length);
    }
    if (iri.startsWith(data.base) && iri.length > data.base.length) return iri.slice(data.base.length);
    return iri;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      const path = local(term.value);
      a.href = path || term.value;
      a.textContent = short(term.value);
      a.title = term.value;
      if (!path) a.className = "ext";
      td.appendChild(a);
    } else if (term.type === "literal") {
      td.appendChild(document.createTextNode(term.value));
      if (term["xml:lang"]) {
        const span = document.createElement("span");
        span.className = "lang";
        span.textContent = " @" + term["xml:lang"];
        td.appendChild(span);
      } else if (term.datatype) {
        td.title = term.datatype.replace("http://www.w3.org/2001/XMLSchema#", "xsd:");
      }
    } else {
      td.textContent = "_:" + term.value;
    }
    return td;
  }

  function table(json) {
    const t = document.createElement("table");
    t.className = "list results";
    const head = t.createTHead().insertRow();
    json.head.vars.forEach(function (v) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = "?" + v;
      head.appendChild(th);
    });
    const body = t.createTBody();
    json.results.bindings.forEach(function (b) {
      const tr = body.insertRow();
      json.head.vars.forEach(function (v) { tr.appendChild(cell(b[v])); });
    });
    return t;
  }

  function show(response, text, seconds) {
    const box = results.querySelector(".scroll"), summary = results.querySelector(".editor-summary");
    box.textContent = "";
    const truncated = response.headers.get("X-Twinned-Truncated") === "true";
    if ((response.headers.get("Content-Type") || "").includes("json")) {
      const json = JSON.parse(text);
      if ("boolean" in json) {
        const p = document.createElement("p");
        p.className = "answer";
        p.textContent = json.boolean ? "Yes (true)" : "No (false)";
        box.appendChild(p);
        summary.textContent = "Answered in " + seconds + " s.";
      } else {
        const n = json.results.bindings.length;
        box.appendChild(table(json));
        summary.textContent = n + " row" + (n === 1 ? "" : "s") + " in " + seconds + " s"
          + (truncated ? " (cut at " + data.maxRows + " rows: add a LIMIT or narrow the query)." : ".");
      }
    } else {
      const pre = document.createElement("pre");
      pre.className = "turtle";
      pre.textContent = text;
      box.appendChild(pre);
      summary.textContent = "A graph, in " + seconds + " s" + (truncated ? " (cut at " + data.maxRows + " triples)." : ".");
    }
    results.hidden = false;
    results.dataset.state = "shown";
  }

  function run() {
    const started = performance.now();
    setStatus("Running…");
    results.dataset.state = "running";
    return request(null).then(function (response) {
      if (!response.ok) return problem(response);
      return response.text().then(function (text) {
        const seconds = ((performance.now() - started) / 1000).toFixed(2);
        show(response, text, seconds);
        setStatus("");
      });
    }).catch(function (err) {
      results.hidden = true;
      results.dataset.state = "error";
      setStatus(err.message, true);
    });
  }

  function download(button) {
    const graph = ["CONSTRUCT", "DESCRIBE"].includes(queryForm(area.value));
    const csv = button.dataset.format === "csv";
    const format = graph ? (csv ? "turtle" : "jsonld") : (csv ? "csv" : "json");
    const suffix = { turtle: "ttl", jsonld: "jsonld", csv: "csv", json: "json" }[format];
    setStatus("Preparing the download…");
    request(format).then(function (response) {
      if (!response.ok) return problem(response);
      return response.blob().then(function (blob) {
        const a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = "twinned-results." + suffix;
        document.body.appendChild(a);
        a.click();
        a.remove();
        window.setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
        setStatus("");
      });
    }).catch(function (err) { setStatus(err.message, true); });
  }

  form.addEventListener("submit", function (evt) {
    evt.preventDefault();
    const button = evt.submitter;
    if (button && button.classList.contains("download")) download(button);
    else run();
  });
  area.addEventListener("keydown", function (evt) {
    if (evt.key === "Enter" && (evt.ctrlKey || evt.metaKey)) { evt.preventDefault(); run(); }
  });
})();
