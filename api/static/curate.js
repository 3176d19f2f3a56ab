// The curation page (/curate): a curator selects passages of a source's text and makes each the
// verbatim quote of a new position, claim, clause or clause change. The page builds a curation file
// (docs/curation.md; JSON is YAML) and sends it to POST /api/sources, a dry run first.
//
// Everything from the data, the server or the curator reaches the DOM as text: el() below makes
// text nodes, options are made with new Option. No innerHTML anywhere.
(() => {
  'use strict';

  const WORK_KEY = 'stancegraph.curate.work';
  const TOKEN_KEY = 'stancegraph.curate.token';
  // Characters of context kept on each side of a quote, as a Web Annotation TextQuoteSelector does.
  const CONTEXT = 32;
  const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;
  const NAMES = {
    actors: 'Actor', positions: 'Position', claims: 'Claim', clauses: 'Clause', changes: 'Clause change',
  };
  const ENTRY_SECTIONS = ['clauses', 'changes', 'positions', 'claims'];
  const PREFIXES = [
    ['https://w3id.org/stancegraph/id/', 'id:'], ['https://w3id.org/stancegraph/ns#', 'sg:'],
    ['https://w3id.org/stancegraph/graph/', 'graph:'], ['http://www.w3.org/2000/01/rdf-schema#', 'rdfs:'],
    ['http://www.w3.org/1999/02/22-rdf-syntax-ns#', 'rdf:'], ['http://purl.org/dc/terms/', 'dct:'],
    ['http://www.w3.org/ns/prov#', 'prov:'], ['http://www.w3.org/2004/02/skos/core#', 'skos:'],
    ['http://www.w3.org/2001/XMLSchema#', 'xsd:'],
  ];

  const $ = (id) => document.getElementById(id);
  const text = $('source-text');

  /** An element with attributes and children; strings become text nodes, never markup. */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
    }
    for (const child of children.flat(Infinity)) {
      if (child !== null && child !== undefined) {
        node.append(typeof child === 'string' ? document.createTextNode(child) : child);
      }
    }
    return node;
  }

  // ------------------------------------------------------------ the work in progress

  const empty = () => ({source: {label: '', kind: '', date: ''}, text: '', actors: [], entries: []});
  let work = readWork();
  let graph = {actors: [], drafts: [], clauses: []};
  let selection = null; // {start, end}: UTF-16 offsets into the textarea's value
  let checked = null; // the request body whose dry run passed, while nothing has changed since

  function readWork() {
    try {
      const saved = JSON.parse(localStorage.getItem(WORK_KEY) || 'null');
      if (saved && typeof saved === 'object' && Array.isArray(saved.entries)) {
        return {...empty(), ...saved, source: {...empty().source, ...saved.source}};
      }
    } catch (error) {
      // A damaged or foreign value: start afresh rather than fail.
    }
    return empty();
  }

  function save() {
    try {
      localStorage.setItem(WORK_KEY, JSON.stringify(work));
      $('save-status').textContent = '';
    } catch (error) {
      $('save-status').textContent = 'This work is too large to keep in the browser: it will be lost on reload.';
    }
    refreshSubmit();
  }

  // ------------------------------------------------------------ quotes and selectors

  const codePoints = (value) => Array.from(value).length;
  // The text's characters, split once per version of the text (every entry is placed in it on each edit).
  let split = {value: null, chars: []};
  const charactersOf = (value) => {
    if (split.value !== value) split = {value, chars: Array.from(value)};
    return split.chars;
  };

  /**
   * The W3C Web Annotation selectors of text[start, end) (UTF-16 offsets): the TextQuoteSelector's
   * prefix and suffix, and the TextPositionSelector's start and end, counted in characters
   * (Unicode code points), as the server counts them.
   */
  function selectorAt(value, start, end) {
    const before = Array.from(value.slice(0, start));
    const after = Array.from(value.slice(end));
    return {
      prefix: before.slice(-CONTEXT).join(''),
      suffix: after.slice(0, CONTEXT).join(''),
      start: before.length,
      end: before.length + codePoints(value.slice(start, end)),
    };
  }

  /** Where an entry's quote is in the text now: its recorded place, else the nearest occurrence, else null. */
  function anchor(entry, value) {
    const chars = charactersOf(value);
    const old = entry.selector;
    if (chars.slice(old.start, old.end).join('') === entry.quote) return old;
    let best = null;
    for (let at = value.indexOf(entry.quote); at >= 0; at = value.indexOf(entry.quote, at + 1)) {
      const found = selectorAt(value, at, at + entry.quote.length);
      if (best === null || Math.abs(found.start - old.start) < Math.abs(best.start - old.start)) best = found;
    }
    return best;
  }

  /** The curation entry as sent: its fields, its quote, and where the quote was selected. */
  function withSelector(fields, entry) {
    return {...fields, quote: entry.quote, selector: {...entry.selector}};
  }

  // ------------------------------------------------------------ the curation file

  function curationDocument() {
    const source = {label: work.source.label.trim()};
    if (work.source.kind) source.kind = work.source.kind;
    if (work.source.date.trim()) source.date = work.source.date.trim();
    const documentBody = {source};
    if (work.actors.length) documentBody.actors = work.actors.map((actor) => ({...actor}));
    for (const section of ENTRY_SECTIONS) {
      const entries = work.entries.filter((entry) => entry.section === section);
      if (entries.length) documentBody[section] = entries.map((entry) => withSelector(entry.fields, entry));
    }
    return documentBody;
  }

  /**
   * JSON is YAML, except that YAML reads U+0085, U+2028 and U+2029 as line breaks (which would fold
   * inside a quoted string): escape them, so every quote reaches the server as it was selected.
   */
  function yamlSafeJson(value) {
    return JSON.stringify(value, null, 1).replace(
      /[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }

  function requestBody() {
    return JSON.stringify({curation: yamlSafeJson(curationDocument()), source_text: text.value});
  }

  // ------------------------------------------------------------ choices from the graph

  /** Every item of a list, in the largest pages the server allows (500 by default; its own if lower). */
  async function everything(path) {
    const items = [];
    let url = `${path}${path.includes('?') ? '&' : '?'}limit=500`;
    while (url) {
      let response = await fetch(url, {headers: {Accept: 'application/json'}});
      if (response.status === 422 && url.endsWith('limit=500')) {  // a server configured for smaller pages
        url = path;
        response = await fetch(url, {headers: {Accept: 'application/json'}});
      }
      if (!response.ok) throw new Error(`${path} answered ${response.status}`);
      const page = await response.json();
      items.push(...page.items);
      // Follow the server's link, on this origin whatever host name it used.
      const next = page.next && page.items.length ? new URL(page.next, window.location.href) : null;
      url = next ? `${next.pathname}${next.search}` : null;
    }
    return items;
  }

  /** Drafts in lineage order: a draft after the drafts it revises, then by label. */
  function lineageOrder(drafts) {
    const byId = new Map(drafts.map((draft) => [draft.id, draft]));
    const depth = (draft, seen = new Set()) => {
      const parents = (draft.revision_of || []).map((ref) => byId.get(ref.id)).filter((p) => p && !seen.has(p.id));
      seen.add(draft.id);
      return parents.length ? 1 + Math.max(...parents.map((p) => depth(p, seen))) : 0;
    };
    return drafts
      .map((draft) => [depth(draft), draft])
      .sort((a, b) => a[0] - b[0] || a[1].label.localeCompare(b[1].label))
      .map(([, draft]) => draft);
  }

  async function loadGraph() {
    const status = $('graph-status');
    try {
      const [actors, drafts, clauses] = await Promise.all([
        everything('/api/actors'), everything('/api/documents?kind=Draft'), everything('/api/clauses'),
      ]);
      graph = {actors, drafts: lineageOrder(drafts), clauses};
      status.textContent = `${actors.length} actors, ${drafts.length} drafts and ${clauses.length} clauses to choose from.`;
    } catch (error) {
      status.textContent = `Could not read the graph's actors, drafts and clauses (${error.message}); reload to try again.`;
    }
    renderChoices();
  }

  const newLabels = (section) => work.entries.filter((e) => e.section === section).map((e) => e.fields.label);

  function actorOptions() {
    return [
      ['New in this source', work.actors.map((actor) => [actor.label, actor.label])],
      ['In the graph', graph.actors.map((actor) => [actor.id, actor.label])],
    ];
  }

  function draftOptions() {
    return [['Drafts', graph.drafts.map((draft) => [draft.id, draft.label])]];
  }

  function clauseOptions(withDrafts) {
    const groups = graph.drafts.map((draft) => [
      draft.label,
      [
        ...(withDrafts ? [[draft.id, `${draft.label} (the whole draft)`]] : []),
        ...graph.clauses.filter((c) => c.draft && c.draft.id === draft.id).map((c) => [c.id, c.label]),
      ],
    ]);
    const drafts = new Set(graph.drafts.map((draft) => draft.id));
    const others = graph.clauses.filter((c) => !c.draft || !drafts.has(c.draft.id)).map((c) => [c.id, c.label]);
    return [...groups, ['Other clauses', others], ['New in this source', newLabels('clauses').map((label) => [label, label])]];
  }

  const CHOICES = {
    actors: actorOptions,
    drafts: draftOptions,
    clauses: () => clauseOptions(false),
    targets: () => clauseOptions(true),
    anything: () => [...actorOptions(), ...clauseOptions(true)],
  };

  function renderChoices() {
    for (const select of document.querySelectorAll('select[data-choices]')) {
      const kept = select.value;
      const first = select.hasAttribute('data-optional') ? 'None' : 'Choose…';
      const groups = CHOICES[select.dataset.choices]().filter(([, options]) => options.length);
      select.replaceChildren(
        new Option(first, ''),
        ...groups.map(([label, options]) => el('optgroup', {label}, options.map(([v, t]) => new Option(t, v)))),
      );
      select.value = kept;
      if (select.value !== kept) select.value = '';
    }
  }

  const labelOf = (value) => {
    const known = [...graph.actors, ...graph.drafts, ...graph.clauses].find((node) => node.id === value);
    return known ? known.label : value;
  };

  // ------------------------------------------------------------ selecting a passage

  function updateSelection() {
    const start = text.selectionStart;
    const end = text.selectionEnd;
    const chosen = text.value.slice(start, end);
    // Leading and trailing blanks are not part of a quote.
    const lead = chosen.length - chosen.trimStart().length;
    const trail = chosen.length - chosen.trimEnd().length;
    const region = $('selection');
    if (!chosen.trim()) {
      selection = null;
      region.replaceChildren(el('span', {class: 'muted'}, 'No passage selected.'));
      return;
    }
    selection = {start: start + lead, end: end - trail};
    const quote = text.value.slice(selection.start, selection.end);
    const where = selectorAt(text.value, selection.start, selection.end);
    region.replaceChildren(
      el('span', {class: 'label'}, `Selected, characters ${where.start}–${where.end}:`),
      el('blockquote', {}, quote),
    );
  }

  // ------------------------------------------------------------ adding entries

  const section = () => document.querySelector('input[name=section]:checked').value;
  const checkedValue = (name) => document.querySelector(`#entry-form input[name=${name}]:checked`).value;

  function showSection() {
    const current = section();
    for (const node of document.querySelectorAll('#entry-form [data-sections]')) {
      const shown = node.dataset.sections.split(' ').includes(current);
      node.hidden = !shown;
      if (node.tagName === 'FIELDSET') node.disabled = !shown;
    }
    const required = document.querySelector('[data-required-for]');
    required.hidden = !required.dataset.requiredFor.split(' ').includes(current);
  }

  function fieldsOf(current) {
    const value = (id) => $(id).value.trim();
    const fields = {};
    const problems = [];
    const need = (id, name) => {
      if (!value(id)) problems.push([id, `Choose or enter the ${name}.`]);
      return value(id);
    };
    if (current === 'positions') {
      fields.actor = need('position-actor', 'actor');
      fields.stance = checkedValue('stance');
      fields.target = need('position-target', 'target');
      if (value('position-draft')) fields.draft = value('position-draft');
    } else if (current === 'claims') {
      fields.claimant = need('claim-claimant', 'claimant');
      fields.about = need('claim-about', 'what the claim is about');
    } else if (current === 'clauses') {
      fields.draft = need('clause-draft', 'draft');
      if (value('clause-point')) {
        const point = Number(value('clause-point'));
        if (Number.isInteger(point) && point > 0) fields.point = point;
        else problems.push(['clause-point', 'The point number must be a whole number from 1.']);
      }
      if (value('clause-wording')) fields.wording = value('clause-wording');
    } else {
      fields.draft = need('change-draft', 'later draft');
      fields.kind = value('change-kind');
      if (value('change-previous')) fields.previous = value('change-previous');
      if (value('change-new')) fields.new = value('change-new');
    }
    if (current === 'claims' || current === 'clauses') fields.label = need('entry-label', 'label');
    else if (value('entry-label')) fields.label = value('entry-label');
    fields.certainty = checkedValue('certainty');
    if (current === 'positions' || current === 'claims') {
      if (value('entry-date')) {
        if (DATE.test(value('entry-date'))) fields.date = value('entry-date');
        else problems.push(['entry-date', 'The date must be YYYY-MM-DD, YYYY-MM or YYYY.']);
      }
      if (value('entry-note')) fields.note = value('entry-note');
    }
    if (fields.label && current === 'clauses' && newLabels('clauses').includes(fields.label)) {
      problems.push(['entry-label', 'Another new clause of this source has this label.']);
    }
    return {fields, problems};
  }

  function showProblems(region, problems, form) {
    for (const field of form.querySelectorAll('[aria-invalid]')) field.removeAttribute('aria-invalid');
    region.replaceChildren(...(problems.length ? [el('ul', {}, problems.map(([, message]) => el('li', {}, message)))] : []));
    for (const [id] of problems) if (id) $(id).setAttribute('aria-invalid', 'true');
    const first = problems.find(([id]) => id);
    if (first) $(first[0]).focus();
  }

  function addEntry(event) {
    event.preventDefault();
    const current = section();
    const {fields, problems} = fieldsOf(current);
    if (!selection) problems.unshift([null, 'Select the passage to quote in the source text first.']);
    showProblems($('entry-errors'), problems, $('entry-form'));
    if (problems.length) {
      if (!selection && problems.length === 1) text.focus();
      return;
    }
    const quote = text.value.slice(selection.start, selection.end);
    work.entries.push({
      section: current, fields, quote, selector: selectorAt(text.value, selection.start, selection.end),
    });
    for (const id of ['entry-label', 'entry-note', 'entry-date', 'clause-point', 'clause-wording']) $(id).value = '';
    const number = work.entries.filter((entry) => entry.section === current).length;
    $('entry-status').textContent = `Added ${NAMES[current].toLowerCase()} ${number}.`;
    save();
    render();
  }

  function addActor(event) {
    event.preventDefault();
    const label = $('actor-label').value.trim();
    const problems = [];
    if (!label) problems.push(['actor-label', 'Enter the actor\'s name.']);
    else if (work.actors.some((actor) => actor.label === label)) {
      problems.push(['actor-label', 'This source already has a new actor of that name.']);
    }
    showProblems($('actor-errors'), problems, $('actor-form'));
    if (problems.length) return;
    const actor = {label, kind: $('actor-kind').value};
    const others = $('actor-alt').value.split(',').map((name) => name.trim()).filter(Boolean);
    if (others.length) actor.alt_labels = others;
    if ($('actor-new').checked) actor.new = true;
    work.actors.push(actor);
    $('actor-form').reset();
    $('entry-status').textContent = `Added actor ${label}; choose it in the lists.`;
    save();
    render();
    for (const id of ['position-actor', 'claim-claimant']) if (!$(id).value) $(id).value = label;
  }

  function summary(entry) {
    const f = entry.fields;
    if (entry.section === 'positions') {
      const asOf = f.draft ? `, as of ${labelOf(f.draft)}` : '';
      return `${labelOf(f.actor)} ${f.stance} ${labelOf(f.target)} (${f.certainty}${asOf})`;
    }
    if (entry.section === 'claims') return `${f.label}: ${labelOf(f.claimant)} about ${labelOf(f.about)} (${f.certainty})`;
    if (entry.section === 'clauses') return `${f.label}, in ${labelOf(f.draft)} (${f.certainty})`;
    const clauses = [f.previous, f.new].filter(Boolean).map(labelOf).join(' → ');
    return `${labelOf(f.draft)} ${f.kind} ${clauses || 'a clause'} (${f.certainty})`;
  }

  function entryItem(name, description, quote, warning, actions) {
    return el('li', {class: warning ? 'stale' : null},
      el('p', {class: 'entry-title'}, el('strong', {}, name), `: ${description}`),
      quote === null ? null : el('blockquote', {}, quote),
      warning ? el('p', {class: 'warning'}, warning) : null,
      el('div', {class: 'entry-actions'}, actions));
  }

  /** The entry list, and (unless only the text changed) the choices, which name this source's new entries. */
  function render({choices = true} = {}) {
    if (choices) renderChoices();
    const items = [];
    work.actors.forEach((actor, index) => {
      const name = `Actor ${index + 1}`;
      const remove = el('button', {type: 'button', 'aria-label': `Remove ${name.toLowerCase()}, ${actor.label}`}, 'Remove');
      remove.addEventListener('click', () => {
        work.actors.splice(index, 1);
        $('entry-status').textContent = `Removed ${name.toLowerCase()}.`;
        save();
        render();
      });
      const description = `${actor.label} (new ${actor.kind}${actor.new ? ', another actor than any with a similar name' : ''})`;
      items.push(entryItem(name, description, null, null, [remove]));
    });
    for (const current of ENTRY_SECTIONS) {
      work.entries.filter((entry) => entry.section === current).forEach((entry, index) => {
        const name = `${NAMES[current]} ${index + 1}`;
        const place = anchor(entry, text.value);
        const show = el('button', {type: 'button', 'aria-label': `Show in text the quote of ${name.toLowerCase()}`}, 'Show in text');
        show.disabled = place === null;
        show.addEventListener('click', () => {
          const chars = charactersOf(text.value);
          const start = chars.slice(0, place.start).join('').length;
          text.focus();
          text.setSelectionRange(start, start + entry.quote.length);
          updateSelection();
        });
        const remove = el('button', {type: 'button', 'aria-label': `Remove ${name.toLowerCase()}`}, 'Remove');
        remove.addEventListener('click', () => {
          work.entries.splice(work.entries.indexOf(entry), 1);
          $('entry-status').textContent = `Removed ${name.toLowerCase()}.`;
          save();
          render();
        });
        const warning = place === null ? 'This quote is no longer in the text: the check will refuse it.' : null;
        items.push(entryItem(name, summary(entry), entry.quote, warning, [show, remove]));
      });
    }
    $('entry-list').replaceChildren(...items);
    $('no-entries').hidden = items.length > 0;
  }

  /** Keep each quote's recorded place in step with edits of the text around it. */
  function reanchor() {
    let moved = false;
    for (const entry of work.entries) {
      const place = anchor(entry, text.value);
      if (place && place !== entry.selector) {
        entry.selector = place;
        moved = true;
      }
    }
    return moved;
  }

  // ------------------------------------------------------------ checking and adding

  function refreshSubmit() {
    const current = checked !== null && checked === requestBody();
    $('submit').disabled = !current;
    const stale = $('stale');
    if (stale) stale.hidden = current;
  }

  function refusal(status, answer) {
    const detail = answer && typeof answer.detail === 'string' ? answer.detail : '';
    if (status === 401) {
      return ['The server did not accept the write token (401): nothing was written.',
        [detail, 'Enter this server\'s write token (STANCEGRAPH_WRITE_TOKEN) and try again.']];
    }
    if (status === 403) return ['This server does not take writes (403): nothing was written.', [detail]];
    if (answer && Array.isArray(answer.problems)) {
      return [`The checks refused this source (${status}): nothing was written.`, answer.problems.map(readable)];
    }
    if (answer && Array.isArray(answer.violations)) {
      return [`The SHACL shapes refused this source (${status}): nothing was written.`,
        answer.violations.map((v) => `${v.message} (${compact(`<${v.focus}>`)}${v.path ? `, ${compact(`<${v.path}>`)}` : ''})`)];
    }
    return [`The server refused the request (${status}): nothing was written.`, [detail || 'no reason given']];
  }

  /** A problem in the page's words: `positions[0].quote: ...` is "Position 1, quote: ...", as the list names it. */
  function readable(problem) {
    const named = problem.replace(/^(actors|positions|claims|clauses|changes)\[(\d+)\](\.)?/,
      (_, part, index, dot) => `${NAMES[part]} ${Number(index) + 1}${dot ? ', ' : ''}`);
    if (/looks like actor/.test(problem)) {
      return `${named} On this page: choose that actor from the lists instead of adding a new one, or remove the new actor and add it again with "It is another actor" ticked.`;
    }
    return named;
  }

  function compact(term) {
    for (const [iri, prefix] of PREFIXES) {
      if (term.startsWith(`<${iri}`) && term.endsWith('>')) return prefix + term.slice(iri.length + 1, -1);
    }
    return term;
  }

  function triplesList(added, trig) {
    return el('details', {}, el('summary', {}, `The ${added} triple(s), as TriG`),
      el('pre', {class: 'triples', tabindex: '0'}, trig));
  }

  function reportLists(answer) {
    const rows = [];
    if (answer.shacl) rows.push(el('li', {}, `SHACL: ${answer.shacl}`));
    for (const [part, ids] of Object.entries(answer.created || {})) {
      if (ids.length) rows.push(el('li', {}, `New ${part}: `, ids.map((id, i) => [i ? ', ' : '', el('code', {}, id)])));
    }
    for (const [label, id] of Object.entries(answer.matched || {})) {
      rows.push(el('li', {}, `Actor ${label} is the existing `, el('code', {}, id)));
    }
    if ((answer.present || []).length) rows.push(el('li', {}, `Already there, left as they are: ${answer.present.join(', ')}`));
    return el('ul', {}, rows);
  }

  function showResult(kind, heading, ...body) {
    $('result').replaceChildren(el('div', {class: kind}, el('p', {class: 'result-heading'}, heading), body));
  }

  async function send(dryRun) {
    const token = $('token').value.trim();
    const problems = [];
    if (!work.source.label.trim()) problems.push('Give the source a name (1. The source).');
    if (!text.value.trim()) problems.push('Paste or load the source\'s text (1. The source).');
    if (!work.entries.length && !work.actors.length) problems.push('Add at least one entry (2. What the passage says).');
    if (!token) problems.push('Enter the write token: checks and writes both need it.');
    if (problems.length) {
      showResult('failed', 'Not sent: nothing was written.', el('ul', {}, problems.map((p) => el('li', {}, p))));
      if (!token) $('token').focus();
      return;
    }
    const body = requestBody();
    for (const button of ['check', 'submit']) $(button).disabled = true;
    showResult('pending', dryRun ? 'Checking…' : 'Adding…');
    let response;
    let answer = null;
    try {
      response = await fetch(`/api/sources${dryRun ? '?dry_run=true' : ''}`, {
        method: 'POST',
        headers: {'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}`},
        body,
      });
      answer = await response.json().catch(() => null);
    } catch (error) {
      $('check').disabled = false;
      showResult('failed', `Could not reach the server (${error.message}): nothing was written.`);
      refreshSubmit();
      return;
    }
    $('check').disabled = false;
    if (!response.ok) {
      checked = null;
      const [heading, lines] = refusal(response.status, answer);
      showResult('failed', heading, el('ul', {}, lines.filter(Boolean).map((line) => el('li', {}, line))));
    } else if (dryRun) {
      checked = answer.added > 0 ? body : null;
      showResult('passed', answer.added > 0
        ? `Every check passed (structure, references, lookalike actors, quotes, SHACL shapes). Adding would add ${answer.added} triple(s); nothing is written yet.`
        : 'Every check passed, and everything in it is already in the graph: adding would add nothing.',
      reportLists(answer), answer.added ? triplesList(answer.added, answer.trig) : null,
      el('p', {id: 'stale', class: 'warning', hidden: true}, 'The work has changed since this check: check again before adding.'));
    } else {
      checked = null;
      const created = Object.values(answer.created || {}).flat();
      work.entries = [];
      work.actors = [];
      save();
      showResult('added', `Added ${answer.added} triple(s) to the graph.`, reportLists(answer),
        el('p', {}, 'See them: ', created.map((id, i) => [i ? ', ' : '', el('a', {href: `/id/${encodeURIComponent(id)}`}, id)]),
          created.length ? '; ' : '', el('a', {href: '/viewer'}, 'the viewer'), '.'));
      await loadGraph();
      render();
    }
    refreshSubmit();
    $('result').focus();
  }

  // ------------------------------------------------------------ starting over

  function startOver() {
    $('confirm-start-over').hidden = false;
    $('discard').focus();
  }

  function discard() {
    work = empty();
    checked = null;
    text.value = '';
    for (const id of ['source-label', 'source-date']) $(id).value = '';
    $('source-kind').selectedIndex = 0;
    $('confirm-start-over').hidden = true;
    $('result').replaceChildren();
    updateSelection();
    save();
    render();
    $('source-label').focus();
  }

  // ------------------------------------------------------------ wiring

  function bindSourceField(id, key) {
    $(id).value = work.source[key];
    $(id).addEventListener('input', () => {
      work.source[key] = $(id).value;
      save();
    });
  }

  function start() {
    bindSourceField('source-label', 'label');
    bindSourceField('source-date', 'date');
    if (work.source.kind) $('source-kind').value = work.source.kind;
    work.source.kind = $('source-kind').value;
    $('source-kind').addEventListener('change', () => {
      work.source.kind = $('source-kind').value;
      save();
    });
    text.value = work.text;
    text.addEventListener('input', () => {
      work.text = text.value;
      reanchor();
      save();
      render({choices: false});
      updateSelection();
    });
    for (const name of ['select', 'keyup', 'mouseup']) text.addEventListener(name, updateSelection);
    document.addEventListener('selectionchange', () => document.activeElement === text && updateSelection());
    $('source-file').addEventListener('change', async () => {
      const file = $('source-file').files[0];
      if (!file) return;
      text.value = await file.text();
      work.text = text.value;
      reanchor();
      save();
      render();
      updateSelection();
      $('entry-status').textContent = `Loaded ${file.name}.`;
    });

    for (const radio of document.querySelectorAll('input[name=section]')) radio.addEventListener('change', showSection);
    showSection();
    $('entry-form').addEventListener('submit', addEntry);
    $('actor-form').addEventListener('submit', addActor);

    $('token').value = sessionStorage.getItem(TOKEN_KEY) || '';
    $('token').addEventListener('input', () => {
      const token = $('token').value;
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    });
    $('check-form').addEventListener('submit', (event) => {
      event.preventDefault();
      send(true);
    });
    $('submit').addEventListener('click', () => send(false));
    $('start-over').addEventListener('click', startOver);
    $('discard').addEventListener('click', discard);
    $('keep').addEventListener('click', () => {
      $('confirm-start-over').hidden = true;
      $('start-over').focus();
    });

    render();
    refreshSubmit();
    window.stancegraphCurate = {ready: loadGraph(), curationDocument, requestBody};
  }

  start();
})();
