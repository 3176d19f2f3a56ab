/* stancegraph: what the graph viewer and the stance matrix share. Loaded before either page's script. */
"use strict";

/** The link's parameters: query string, then fragment (the fragment wins), so a shared link opens as sent. */
window.stancegraphParams = () => {
  const params = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.slice(1));
  for (const key of new Set(fragment.keys())) {
    params.delete(key);
    for (const value of fragment.getAll(key)) params.append(key, value);
  }
  return params;
};

/** Offer a file the page made (a PNG, an SVG, a CSV) as a download, with no server round trip. */
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
