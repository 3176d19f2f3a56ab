// YASGUI on our own /sparql, with the example queries as tabs on a first visit.
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  var endpoint = new URL(root.dataset.endpoint, window.location.href).href;
  var examples = JSON.parse(document.getElementById("examples").textContent);

  // The default autocompleters fetch from prefix.cc and LOV; this page talks to its own origin only.
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];

  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    autoAddOnInit: false,
    persistenceId: "stancegraph-sparql",
    endpointCatalogueOptions: {
      getData: function () {
        return [{ endpoint: endpoint }];
      },
      keys: [],
    },
  });

  // YASGUI's markup fails an accessibility check (axe-core, tests/test_accessibility.py): unnamed
  // inputs, a button inside the tab list, tabs pointing at panels that are not in the page. It
  // re-renders as tabs change, so the repairs are made again after every change it makes.
  function repair() {
    var names = {
      textarea: "SPARQL query",
      "input.autocomplete": "SPARQL endpoint URL",
      "select.tableSizer": "Rows per page",
      "input.tableFilter": "Filter the results",
    };
    Object.keys(names).forEach(function (selector) {
      root.querySelectorAll(selector).forEach(function (field) {
        if (!field.getAttribute("aria-label")) field.setAttribute("aria-label", names[selector]);
      });
    });
    root.querySelectorAll(".tab input[type=text]").forEach(function (field) {
      if (!field.getAttribute("aria-label")) field.setAttribute("aria-label", "Tab name");
    });
    // A query wider than a phone scrolls sideways: the scrolling box (CodeMirror makes it tabindex -1)
    // must take focus to be scrolled by keys.
    root.querySelectorAll(".CodeMirror-scroll:not([tabindex=\"0\"])").forEach(function (box) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "SPARQL query editor, scrollable");
    });
    root.querySelectorAll("[role=tab][aria-controls]").forEach(function (tab) {
      if (!document.getElementById(tab.getAttribute("aria-controls"))) tab.removeAttribute("aria-controls");
    });
    // A tab list holds tabs only, and YASGUI keeps its "add tab" button inside (it inserts new tabs
    // before it, so it cannot move): announced as one more tab, it keeps its name, "Add tab".
    root.querySelectorAll("[role=tablist] button.addTab:not([role])").forEach(function (adder) {
      adder.setAttribute("role", "tab");
    });
  }
  new MutationObserver(repair).observe(root, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["aria-controls"],
  });

  if (Object.keys(yasgui._tabs).length === 0) {
    examples.forEach(function (example, index) {
      yasgui.addTab(index === 0, {
        name: example.title,
        yasqe: { value: example.query },
        requestConfig: { endpoint: endpoint },
      });
    });
  }
  repair();
})();
