/* stancegraph: offer a file the page made (a PNG, an SVG, a CSV) as a download, with no server round
   trip. Shared by the graph viewer's and the stance matrix's exports. */
"use strict";

window.stancegraphDownload = (blob, name) => {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
};
