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

/** An element with text content and attributes; children are nodes or plain strings (text), never markup. */
window.stancegraphElement = (tag, attributes = {}, ...children) => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") element.textContent = value;
    else element.setAttribute(name, value);
  }
  element.append(...children.filter((child) => child !== null && child !== undefined));
  return element;
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
