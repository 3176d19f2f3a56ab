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

  if (Object.keys(yasgui._tabs).length === 0) {
    examples.forEach(function (example, index) {
      yasgui.addTab(index === 0, {
        name: example.title,
        yasqe: { value: example.query },
        requestConfig: { endpoint: endpoint },
      });
    });
  }
})();
