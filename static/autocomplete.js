/* Bibliothèque des observatoires — suggestions in the search boxes.
 *
 * Enhances every <input type="search" name="q" data-autocomplete="/api/v1/suggest"> into the
 * WAI-ARIA 1.2 combobox pattern (list autocomplete, nothing selected automatically): a listbox
 * of concepts ("Thèmes") and publication titles ("Publications"), arrow keys, Enter, Escape,
 * mouse, and a polite live region telling how many suggestions there are.
 *
 * Without this script nothing changes: the box is a plain GET form to /recherche. With it the
 * form still submits as typed; only choosing a suggestion does something else (a concept fills
 * the box with its label and submits, a title opens the publication).
 *
 * No dependency, no inline code (the Content-Security-Policy forbids it); loaded with `defer`.
 */
(function () {
  "use strict";

  if (!window.fetch || !window.AbortController || !String.prototype.normalize) {
    return;
  }

  var DELAY = 150;
  var MIN_LETTERS = 2;
  var WORD_CHAR = /[\p{L}\p{N}]/u;
  var NOT_WORD = /[^\p{L}\p{N}]+/u;
  var SPECIAL = { "œ": "oe", "æ": "ae", "ß": "ss", "’": "'", "ʼ": "'", "‘": "'" };
  var count = 0;

  /* Lowercase without diacritics, as the server folds (œ → oe…). */
  function foldChar(c) {
    var lower = c.toLowerCase();
    if (SPECIAL[lower]) {
      return SPECIAL[lower];
    }
    return lower.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function fold(text) {
    var out = "";
    for (var ch of text) {
      out += foldChar(ch);
    }
    return out;
  }

  function typedWords(text) {
    return fold(text).split(NOT_WORD).filter(Boolean);
  }

  function letters(text) {
    return fold(text).split("").filter(function (c) { return WORD_CHAR.test(c); }).length;
  }

  /* Appends `text` to `parent`, the starts of words that begin with a typed word in <mark>. */
  function appendHighlighted(parent, text, words) {
    var folded = "";
    var starts = [];
    var ends = [];
    var at = 0;
    for (var ch of text) {
      var f = foldChar(ch);
      for (var k = 0; k < f.length; k += 1) {
        starts.push(at);
        ends.push(at + ch.length);
      }
      folded += f;
      at += ch.length;
    }
    var ranges = [];
    for (var i = 0; i < folded.length; i += 1) {
      if (!WORD_CHAR.test(folded[i]) || (i > 0 && WORD_CHAR.test(folded[i - 1]))) {
        continue;
      }
      var longest = 0;
      words.forEach(function (w) {
        if (w.length > longest && folded.startsWith(w, i)) {
          longest = w.length;
        }
      });
      if (longest > 0) {
        ranges.push([starts[i], ends[i + longest - 1]]);
      }
    }
    var done = 0;
    ranges.forEach(function (r) {
      if (r[0] < done) {
        return;
      }
      if (r[0] > done) {
        parent.appendChild(document.createTextNode(text.slice(done, r[0])));
      }
      var mark = document.createElement("mark");
      mark.textContent = text.slice(r[0], r[1]);
      parent.appendChild(mark);
      done = r[1];
    });
    if (done < text.length) {
      parent.appendChild(document.createTextNode(text.slice(done)));
    }
  }

  /* Only addresses of this site are followed. */
  function localUrl(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" &&
      url.charAt(1) !== "\\";
  }

  function enhance(input) {
    if (input.dataset.autocompleteReady) {
      return;
    }
    input.dataset.autocompleteReady = "1";
    var fillOnly = input.dataset.autocompleteFill !== undefined;

    /* A subject field holds several terms separated by ";": only the one being typed (the last)
       is completed, and choosing a concept replaces it alone. */
    function typed() {
      var value = input.value;
      return (fillOnly ? value.slice(value.lastIndexOf(";") + 1) : value).trim();
    }

    function fill(label) {
      if (!fillOnly) {
        input.value = label;
        return;
      }
      var cut = input.value.lastIndexOf(";");
      var before = cut < 0 ? "" : input.value.slice(0, cut + 1) + " ";
      input.value = before + label + " ; ";
    }
    count += 1;
    var endpoint = input.getAttribute("data-autocomplete") || "/api/v1/suggest";
    var form = input.form;
    var anchor = input.parentElement;
    var base = (input.id || "recherche-" + count) + "-suggestions";

    var listbox = document.createElement("div");
    listbox.id = base;
    listbox.className = "ac-listbox";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", "Suggestions");
    listbox.hidden = true;

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");

    anchor.classList.add("ac-anchor");
    anchor.appendChild(listbox);
    anchor.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);

    var items = [];
    var active = -1;
    var shownFor = null;
    var timer = 0;
    var controller = null;

    function isOpen() {
      return !listbox.hidden;
    }

    function announce(text) {
      status.textContent = text;
    }

    function setActive(index) {
      if (active >= 0 && items[active]) {
        items[active].el.setAttribute("aria-selected", "false");
      }
      active = index;
      if (index >= 0 && items[index]) {
        var el = items[index].el;
        el.setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", el.id);
        el.scrollIntoView({ block: "nearest" });
      } else {
        active = -1;
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      if (items.length === 0) {
        return;
      }
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      setActive(-1);
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function forget() {
      clearTimeout(timer);
      if (controller) {
        controller.abort();
        controller = null;
      }
      items = [];
      shownFor = null;
      listbox.textContent = "";
      close();
    }

    function option(id, item, words) {
      var el = document.createElement("div");
      el.id = id;
      el.className = "ac-option ac-" + item.kind;
      el.setAttribute("role", "option");
      el.setAttribute("aria-selected", "false");
      var main = document.createElement("span");
      main.className = "ac-main";
      if (item.kind === "concept") {
        appendHighlighted(main, item.data.label, words);
        el.appendChild(main);
        var meta = document.createElement("span");
        meta.className = "ac-meta";
        if (typeof item.data.matched === "string" &&
            fold(item.data.label).indexOf(fold(item.data.matched)) < 0) {
          var alias = document.createElement("span");
          alias.className = "ac-alias";
          appendHighlighted(alias, item.data.matched, words);
          meta.appendChild(alias);
          meta.appendChild(document.createTextNode(" · "));
        }
        meta.appendChild(document.createTextNode(item.data.scheme_title || item.data.scheme || ""));
        el.appendChild(meta);
      } else {
        appendHighlighted(main, item.data.title, words);
        el.appendChild(main);
      }
      return el;
    }

    function group(title, list, words) {
      var g = document.createElement("div");
      g.setAttribute("role", "group");
      g.className = "ac-group";
      var heading = document.createElement("div");
      heading.setAttribute("role", "presentation");
      heading.className = "ac-heading";
      heading.id = base + "-" + list[0].kind;
      heading.textContent = title;
      g.setAttribute("aria-labelledby", heading.id);
      g.appendChild(heading);
      list.forEach(function (item) {
        item.el = option(base + "-" + items.length, item, words);
        items.push(item);
        g.appendChild(item.el);
      });
      listbox.appendChild(g);
    }

    function render(data, text, thenFirst) {
      var wasOpen = isOpen();
      var words = typedWords(text);
      var concepts = (Array.isArray(data.concepts) ? data.concepts : [])
        .filter(function (c) { return c && typeof c.label === "string"; })
        .map(function (c) { return { kind: "concept", data: c }; });
      // A subject field (data-autocomplete-fill) only wants concepts, and only fills itself.
      var titles = (fillOnly || !Array.isArray(data.titles) ? [] : data.titles)
        .filter(function (t) { return t && typeof t.title === "string" && localUrl(t.url); })
        .map(function (t) { return { kind: "title", data: t }; });
      setActive(-1);
      items = [];
      listbox.textContent = "";
      shownFor = text;
      if (concepts.length) {
        group("Thèmes", concepts, words);
      }
      if (titles.length) {
        group("Publications", titles, words);
      }
      if (items.length === 0) {
        close();
        if (wasOpen) {
          announce("Aucune suggestion");
        }
        return;
      }
      if (document.activeElement !== input) {
        return;
      }
      open();
      announce(items.length === 1 ? "1 suggestion" : items.length + " suggestions");
      if (thenFirst) {
        setActive(0);
      }
    }

    function request(text, thenFirst) {
      clearTimeout(timer);
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      var url = endpoint + (endpoint.indexOf("?") < 0 ? "?" : "&") + "q=" +
        encodeURIComponent(text);
      fetch(url, {
        signal: controller.signal,
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data && typed() === text) {
            render(data, text, thenFirst);
          }
        })
        .catch(function () {
          /* Aborted, or the network failed: the box stays a plain search box. */
        });
    }

    function choose(index) {
      var item = items[index];
      if (!item) {
        return;
      }
      if (item.kind === "concept") {
        fill(item.data.label);
        forget();
        if (form && !fillOnly) {
          if (form.requestSubmit) {
            form.requestSubmit();
          } else {
            form.submit();
          }
        }
      } else {
        close();
        window.location.assign(item.data.url);
      }
    }

    input.addEventListener("input", function () {
      var text = typed();
      if (letters(text) < MIN_LETTERS) {
        var hadItems = isOpen();
        forget();
        if (hadItems) {
          announce("");
        }
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(function () { request(text, false); }, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      if (event.isComposing || event.ctrlKey || event.metaKey) {
        return;
      }
      var text = typed();
      switch (event.key) {
        case "ArrowDown":
        case "Down":
          event.preventDefault();
          if (!isOpen()) {
            if (items.length && shownFor === text) {
              open();
              if (!event.altKey) {
                setActive(0);
              }
            } else if (letters(text) >= MIN_LETTERS) {
              request(text, !event.altKey);
            }
          } else if (!event.altKey) {
            setActive(active + 1 < items.length ? active + 1 : 0);
          }
          break;
        case "ArrowUp":
        case "Up":
          if (isOpen()) {
            event.preventDefault();
            if (event.altKey) {
              close();
            } else {
              setActive(active > 0 ? active - 1 : items.length - 1);
            }
          } else if (items.length && shownFor === text) {
            event.preventDefault();
            open();
            setActive(items.length - 1);
          }
          break;
        case "Enter":
          if (isOpen() && active >= 0) {
            event.preventDefault();
            choose(active);
          } else {
            forget();
          }
          break;
        case "Escape":
        case "Esc":
          if (isOpen()) {
            event.preventDefault();
            close();
          }
          break;
        case "Tab":
          close();
          break;
        case "ArrowLeft":
        case "ArrowRight":
        case "Home":
        case "End":
          /* The caret moves in the box: visual focus returns to it. */
          setActive(-1);
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", function () {
      close();
    });

    /* Keep the focus in the box while the pointer chooses. */
    listbox.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });

    listbox.addEventListener("click", function (event) {
      var el = event.target.closest ? event.target.closest("[role=option]") : null;
      if (!el) {
        return;
      }
      for (var i = 0; i < items.length; i += 1) {
        if (items[i].el === el) {
          choose(i);
          return;
        }
      }
    });

    /* Coming back through the history shows the page as it was left: without the list. */
    window.addEventListener("pageshow", function () {
      forget();
    });
  }

  function start() {
    var inputs = document.querySelectorAll("input[type=search][name=q][data-autocomplete]");
    Array.prototype.forEach.call(inputs, enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
