/* LLO-match pages: small progressive enhancements (the pages work without them).
   Served from each service's own path, so the Content-Security-Policy's script-src 'self' allows it. */
(function () {
  /* Tables become cards on small screens: each cell carries its column's name. */
  for (const table of document.querySelectorAll("table")) {
    const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr, tfoot tr")) {
      [...row.children].forEach((cell, i) => {
        if (names[i] && !cell.dataset.label && !cell.hasAttribute("colspan")) cell.dataset.label = names[i];
      });
    }
  }
  /* Folded sections that stay open on a wide screen (filters): folded on a phone. */
  if (window.matchMedia("(min-width: 50rem)").matches) {
    for (const details of document.querySelectorAll("details[data-open-wide]")) details.open = true;
  }
})();
