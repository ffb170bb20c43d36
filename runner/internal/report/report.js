// Builds the page from REPORT: the table, its sorting, and one uPlot chart
// per benchmark. No request leaves the page.
(function () {
  "use strict";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  function bytes(v) {
    let u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return (u === 0 ? Math.round(v) : v.toFixed(1)) + " " + units[u];
  }
  function ms(ns) { return ns / 1e6; }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const meta = document.getElementById("meta");
  const facts = ["started " + REPORT.started_at, "runner " + REPORT.runner];
  if (REPORT.repeat > 1) facts.push("median of " + REPORT.repeat + " runs (min–max)");
  for (const f of facts.concat(REPORT.environment || [])) meta.appendChild(el("li", {}, f));

  const banners = document.getElementById("banners");
  if (!REPORT.complete) banners.appendChild(el("div", { class: "banner warn" }, "The run did not complete: these are the results so far."));
  for (const f of REPORT.failures) banners.appendChild(el("div", { class: "banner bad" }, f));
  for (const v of REPORT.verdict || []) banners.appendChild(el("div", { class: "banner bad" }, v));
  for (const n of REPORT.notes || []) banners.appendChild(el("div", { class: "banner warn" }, n));

  if (!REPORT.baseline) for (const th of document.querySelectorAll(".baseline")) th.remove();
  // The warm-up column shows only when an integration said which call it
  // measured.
  const warmups = REPORT.benchmarks.some(function (b) { return b.warmup; });
  if (!warmups) for (const th of document.querySelectorAll(".warmup")) th.remove();
  if (!(REPORT.repeat > 1)) for (const th of document.querySelectorAll(".repeated")) th.remove();

  // The table.
  const tbody = document.querySelector("#benchmarks tbody");
  function row(b) {
    const tr = el("tr", { "data-id": b.id });
    if (b.leaked.value > 0) tr.classList.add("leak");
    if (b.status !== "ok") tr.classList.add("incomplete");
    if (b.regress) tr.classList.add("regress");
    tr.appendChild(el("td", {}, b.target));
    const uri = el("td", { class: "uri" });
    const a = el("a", { href: "#" + b.id }, b.uri);
    uri.appendChild(a);
    tr.appendChild(uri);
    for (const k of ["peak", "total", "count", "avg", "leaked"]) tr.appendChild(el("td", { class: "num " + k }, b[k].text));
    if (warmups) tr.appendChild(el("td", { class: "num warmup", title: "calls of the body before the measured one" }, b.warmup || "–"));
    if (REPORT.repeat > 1) {
      const noise = el("td", { class: "noise" });
      if (b.noise) noise.appendChild(el("span", { class: "badge " + (b.noisy ? "noisy" : "ok") }, b.noise));
      tr.appendChild(noise);
    }
    const st = el("td", {});
    st.appendChild(el("span", { class: "badge " + (b.status === "ok" ? "ok" : "incomplete") }, b.status));
    if (b.leaked.value > 0) { st.appendChild(document.createTextNode(" ")); st.appendChild(el("span", { class: "badge leak" }, "leak")); }
    if (b.reason) st.title = b.reason;
    tr.appendChild(st);
    if (REPORT.baseline) tr.appendChild(el("td", { class: "change" }, b.change || ""));
    return tr;
  }
  // Names sort as the runner lists them: numbers in a name compare as
  // numbers, so bench_2 comes before bench_10.
  function natural(a, b) {
    let i = 0, j = 0;
    while (i < a.length && j < b.length) {
      const da = /[0-9]/.test(a[i]), db = /[0-9]/.test(b[j]);
      if (da !== db) return da ? -1 : 1;
      if (!da) {
        if (a[i] !== b[j]) return a[i] < b[j] ? -1 : 1;
        i++; j++;
        continue;
      }
      let ei = i, ej = j;
      while (ei < a.length && /[0-9]/.test(a[ei])) ei++;
      while (ej < b.length && /[0-9]/.test(b[ej])) ej++;
      const na = a.slice(i, ei).replace(/^0+/, ""), nb = b.slice(j, ej).replace(/^0+/, "");
      if (na.length !== nb.length) return na.length < nb.length ? -1 : 1;
      if (na !== nb) return na < nb ? -1 : 1;
      if (ei - i !== ej - j) return ei - i < ej - j ? -1 : 1;
      i = ei; j = ej;
    }
    return (a.length - i) - (b.length - j);
  }
  function sortKey(b, key) {
    const v = b[key];
    return v !== null && typeof v === "object" ? v.value : (v || "");
  }
  let rows = REPORT.benchmarks.slice();
  function renderTable() {
    tbody.replaceChildren(...rows.map(row));
  }
  for (const th of document.querySelectorAll("#benchmarks th")) {
    th.addEventListener("click", function () {
      const key = th.dataset.key;
      const dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      for (const other of document.querySelectorAll("#benchmarks th")) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      rows.sort(function (x, y) {
        const a = sortKey(x, key), b = sortKey(y, key);
        if (typeof a === "string" && typeof b === "string") return dir * natural(a, b);
        if (a < b) return -dir;
        if (a > b) return dir;
        return 0;
      });
      renderTable();
    });
  }
  renderTable();

  // The charts: every series of a benchmark on one time axis, in ms since
  // the window opened, and a point series that marks each series' peak.
  const colors = ["#0969da", "#8250df", "#1a7f37", "#bf8700"];
  const charts = document.getElementById("charts");
  for (const b of REPORT.benchmarks) {
    const box = el("div", { class: "chart", id: b.id });
    if (b.status !== "ok") box.classList.add("incomplete");
    if (b.leaked.value > 0) box.classList.add("leak");
    box.appendChild(el("h3", {}, b.target + " · " + b.uri));
    let note = "peak " + b.peak.text + " · window " + ms(b.window_ns).toFixed(2) + " ms";
    if (b.leaked.value > 0) note += " · leaked " + b.leaked.text;
    if (b.warmup === "0") note += " · cold first call";
    else if (b.warmup) note += " · after " + b.warmup + " warm-up call" + (b.warmup === "1" ? "" : "s");
    if (b.noisy) note += " · " + b.noise;
    box.appendChild(el("p", { class: "note" }, note));
    if (b.status !== "ok") box.appendChild(el("p", { class: "note bad" }, b.status + ": " + (b.reason || "")));
    const target = el("div", {});
    box.appendChild(target);
    charts.appendChild(box);

    const tables = b.series.map(function (s) {
      return [s.points.map(function (p) { return ms(p[0]); }), s.points.map(function (p) { return p[1]; })];
    });
    const joined = uPlot.join(tables);
    const series = [{ label: "ms" }];
    b.series.forEach(function (s, i) {
      series.push({
        label: s.name,
        stroke: colors[i % colors.length],
        fill: i === 0 ? "rgba(9,105,218,0.08)" : undefined,
        width: 2,
        spanGaps: true,
        paths: uPlot.paths.stepped({ align: 1 }),
        points: { show: false },
        value: function (u, v) { return v == null ? "–" : bytes(v); },
      });
    });
    b.series.forEach(function (s, i) {
      const x = ms(s.peak[0]);
      joined.push(joined[0].map(function (t) { return t === x ? s.peak[1] : null; }));
      series.push({
        label: "peak" + (b.series.length > 1 ? " (" + s.name + ")" : ""),
        stroke: "#cf222e",
        width: 0,
        paths: function () { return null; },
        points: { show: true, size: 10, fill: "#cf222e", stroke: "#cf222e" },
        value: function (u, v) { return v == null ? "–" : bytes(v); },
      });
    });
    // A window often lasts long after its last allocation (a process
    // tree is waited for until it has gone): start zoomed on the part
    // where the heap moves, and leave the whole window a double-click away.
    let lastChange = 0;
    for (const s of b.series) {
      for (let i = 1; i < s.points.length; i++) {
        if (s.points[i][1] !== s.points[i - 1][1]) lastChange = Math.max(lastChange, ms(s.points[i][0]));
      }
    }
    const span = ms(b.window_ns);
    const zoom = lastChange > 0 && lastChange * 1.2 < span * 0.5;
    if (zoom) box.querySelector(".note").textContent += " · zoomed to the allocations; double-click for the whole window";
    const width = Math.max(480, box.clientWidth - 18);
    const plot = new uPlot({
      width: width,
      height: 220,
      series: series,
      scales: { x: { time: false } },
      axes: [
        { label: "ms", values: function (u, vals) { return vals.map(function (v) { return +v.toFixed(3); }); } },
        { size: 84, values: function (u, vals) { return vals.map(bytes); } },
      ],
      legend: { live: true },
    }, joined, target);
    if (zoom) plot.setScale("x", { min: 0, max: lastChange * 1.2 });
  }
})();
