#!/usr/bin/env node
// End-to-end browser checks for the portal.
// usage: node browser.mjs http://127.0.0.1:PORT
// Needs Debian's /usr/bin/chromium (or CHROMIUM_PATH) and `npm ci` in this folder.
// Prints one line per check, then "N passed, M failed"; exits 1 when M > 0.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(HERE, 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const TOTAL_BUDGET_MS = 100_000; // hard stop: the whole run must stay under 100 s
const ACTION_TIMEOUT_MS = 8_000;
const NAV_TIMEOUT_MS = 12_000;
const PDF_SEARCH_BUDGET_MS = 15_000;
const MAX_LIST_PAGES = 5;
const MAX_DETAIL_VISITS = 25;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

// ---------------------------------------------------------------- reporting
let passed = 0;
let failed = 0;
let finished = false;
const pass = (id, msg) => { passed++; console.log(`PASS  ${id}  ${msg}`); };
const fail = (id, msg) => { failed++; console.log(`FAIL  ${id}  ${msg}`); };
const warn = (id, msg) => console.log(`WARN  ${id}  ${msg}`);
const info = (msg) => console.log(`      ${msg}`);
const check = (id, ok, okMsg, koMsg = okMsg) => (ok ? pass(id, okMsg) : fail(id, koMsg));
const summary = () => { console.log(`${passed} passed, ${failed} failed`); };
const errMsg = (e) => String(e && e.message ? e.message : e).split('\n')[0];

// ---------------------------------------------------------------- arguments
const baseArg = process.argv[2] || process.env.E2E_BASE_URL;
if (!baseArg || !/^https?:\/\//.test(baseArg)) {
  console.error('usage: node browser.mjs http://127.0.0.1:PORT');
  process.exit(2);
}
const BASE = baseArg.replace(/\/+$/, '');
const ORIGIN = new URL(BASE).origin;
const abs = (p) => new URL(p, BASE + '/').href;
const rel = (u) => { const x = new URL(u, BASE + '/'); return x.origin === ORIGIN ? x.pathname + x.search : x.href; };

let browser;
const started = Date.now();
const watchdog = setTimeout(() => {
  if (finished) return;
  finished = true;
  fail('timeout', `whole run exceeded ${TOTAL_BUDGET_MS / 1000} s, aborting`);
  summary();
  process.exit(1); // playwright-core kills the browser it launched on exit
}, TOTAL_BUDGET_MS);
watchdog.unref();

// ---------------------------------------------------------------- page helpers
async function goto(page, p, opts = {}) {
  return page.goto(abs(p), { waitUntil: 'load', timeout: NAV_TIMEOUT_MS, ...opts });
}

// Same-origin links whose path is /publications/<something> (never the /publications?... list).
async function publicationLinks(page) {
  return page.evaluate((origin) => {
    const out = [];
    for (const a of document.querySelectorAll('a[href]')) {
      const raw = a.getAttribute('href') || '';
      let u;
      try { u = new URL(a.href); } catch { continue; }
      if (u.origin !== origin) continue;
      if (!/^\/publications\/[^/?#]+/.test(u.pathname)) continue;
      if (raw.startsWith('/publications?')) continue;
      if (/\.pdf$/i.test(u.pathname)) continue;
      out.push({ href: u.pathname + u.search, visible: a.checkVisibility ? a.checkVisibility() : true });
    }
    return out;
  }, ORIGIN);
}

async function pdfLinks(page) {
  return page.evaluate((origin) => {
    const out = [];
    for (const a of document.querySelectorAll('a[href]')) {
      let u;
      try { u = new URL(a.href); } catch { continue; }
      if (u.origin === origin && u.pathname.startsWith('/fichiers/') && /\.pdf$/i.test(u.pathname)) {
        out.push(u.pathname + u.search);
      }
    }
    return out;
  }, ORIGIN);
}

// Waits for a download started by `page` or by a popup it opens (target=_blank).
function waitForAnyDownload(context, page, timeout) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`no download event within ${timeout} ms`)); }, timeout);
    const onDownload = (d) => { cleanup(); resolve(d); };
    const onPage = (p) => p.on('download', onDownload);
    const cleanup = () => {
      clearTimeout(timer);
      page.off('download', onDownload);
      context.off('page', onPage);
    };
    page.on('download', onDownload);
    context.on('page', onPage);
  });
}

// ---------------------------------------------------------------- checks
async function checkHome(page) {
  const resp = await goto(page, '/');
  check('a.status', resp && resp.ok(), `GET / -> ${resp?.status()}`);

  const lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
  check('a.lang', /^fr(-[a-z]+)?$/i.test(lang || ''), `html[lang=${lang}]`, `html lang is "${lang}", expected "fr"`);

  const mains = await page.locator('main, [role="main"]').count();
  check('a.main', mains >= 1, `main landmark present (${mains})`, 'no <main> / [role=main] landmark');
  if (mains > 1) warn('a.main', `${mains} main landmarks on / (expected one)`);

  const search = await page.evaluate(() => {
    const forms = [...document.querySelectorAll('form')];
    const isSearchInput = (i) => i.type === 'search' || /^(q|query|recherche|search|texte)$/i.test(i.name || '');
    const form =
      forms.find((f) => f.getAttribute('role') === 'search') ||
      forms.find((f) => f.closest('search, [role="search"]')) ||
      forms.find((f) => [...f.querySelectorAll('input')].some(isSearchInput));
    if (!form) return null;
    const inputs = [...form.querySelectorAll('input:not([type=hidden]):not([type=submit]):not([type=button]), textarea')];
    const input = inputs.find(isSearchInput) || inputs[0];
    if (!input) return { form: true, input: null };
    const txt = (el) => (el ? (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim() : '');
    let name = '', via = '';
    const lb = input.getAttribute('aria-labelledby');
    if (lb) { name = lb.split(/\s+/).map((id) => txt(document.getElementById(id))).join(' ').trim(); via = 'aria-labelledby'; }
    if (!name && input.getAttribute('aria-label')?.trim()) { name = input.getAttribute('aria-label').trim(); via = 'aria-label'; }
    if (!name && input.labels && input.labels.length) { name = [...input.labels].map(txt).join(' ').trim(); via = '<label>'; }
    if (!name && input.title?.trim()) { name = input.title.trim(); via = 'title'; }
    return {
      form: true,
      input: `${input.tagName.toLowerCase()}[name=${input.name || ''}][type=${input.type}]`,
      name, via,
      placeholder: input.getAttribute('placeholder') || '',
      method: (form.getAttribute('method') || 'get').toLowerCase(),
      action: form.getAttribute('action') || '',
    };
  });
  if (!search) fail('a.search', 'no search form on / (form[role=search], <search><form>, or a form with input[type=search])');
  else if (!search.input) fail('a.search', 'search form has no text input');
  else check('a.search', !!search.name,
    `search form (${search.method.toUpperCase()} ${search.action || '(same page)'}) input ${search.input} labelled "${search.name}" via ${search.via}`,
    `search input ${search.input} has no accessible label (label/aria-label/aria-labelledby/title)` +
      (search.placeholder ? `; a placeholder ("${search.placeholder}") is not a label` : ''));
}

// b. click the first /publications/<x> link on the home page, expect a page with an h1.
async function checkDetailByClick(page) {
  await goto(page, '/');
  let links = await publicationLinks(page);
  let from = '/';
  if (!links.length) {
    warn('b.detail', 'no /publications/... link on the home page; falling back to the /publications list');
    await goto(page, '/publications');
    links = await publicationLinks(page);
    from = '/publications';
  }
  if (!links.length) { fail('b.detail', `no link to a publication detail page (/publications/...) on ${from}`); return null; }
  const target = links.find((l) => l.visible) || links[0];
  const loc = page.locator(`a[href="${target.href}"], a[href="${abs(target.href)}"]`).first();
  let resp;
  if (target.visible) {
    [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }), loc.click()]);
  } else {
    warn('b.detail', `link ${target.href} is not visible; navigating to it directly`);
    resp = await goto(page, target.href);
  }
  const url = rel(page.url());
  const status = resp ? resp.status() : 0;
  const h1 = await page.locator('h1').count();
  const h1Text = h1 ? (await page.locator('h1').first().innerText()).trim() : '';
  check('b.detail', status > 0 && status < 400 && h1 >= 1 && h1Text.length > 0,
    `clicked ${target.href} on ${from} -> ${url} (${status}), h1 "${h1Text.slice(0, 60)}"`,
    `clicked ${target.href} on ${from} -> ${url} (${status}), h1 count ${h1}${h1 ? ' but empty' : ''}`);
  if (h1 > 1) warn('b.detail', `${h1} h1 elements on ${url}`);
  return url;
}

// c. find a publication with a PDF, download it by clicking, check bytes and headers.
async function findPublicationWithPdf(scan) {
  const t0 = Date.now();
  const seen = new Set();
  const onListPages = new Set();
  let visits = 0;
  const tryDetails = async (hrefs) => {
    for (const h of hrefs) {
      if (seen.has(h)) continue;
      seen.add(h);
      if (visits >= MAX_DETAIL_VISITS || Date.now() - t0 > PDF_SEARCH_BUDGET_MS) return null;
      visits++;
      const r = await goto(scan, h, { waitUntil: 'domcontentloaded' }).catch(() => null);
      if (!r || !r.ok()) continue;
      const pdfs = await pdfLinks(scan);
      if (pdfs.length) return { detail: h, pdf: pdfs[0] };
    }
    return null;
  };
  const listings = ['/', '/publications?fichier=pdf'];
  for (let n = 1; n <= MAX_LIST_PAGES; n++) listings.push(`/publications?page=${n}`);
  for (const l of listings) {
    if (Date.now() - t0 > PDF_SEARCH_BUDGET_MS) break;
    const r = await goto(scan, l, { waitUntil: 'domcontentloaded' }).catch(() => null);
    if (!r || !r.ok()) { if (l.includes('page=')) break; else continue; }
    const hrefs = [...new Set((await publicationLinks(scan)).map((x) => x.href))];
    if (l.includes('page=')) {
      // past the last list page: empty, or the same links as an earlier page (page number clamped)
      if (!hrefs.length || hrefs.every((h) => onListPages.has(h))) break;
      hrefs.forEach((h) => onListPages.add(h));
    }
    const found = await tryDetails(hrefs);
    if (found) return { ...found, visits };
  }
  return { visits };
}

async function checkPdf(context, page, scan) {
  const found = await findPublicationWithPdf(scan);
  if (!found.pdf) {
    fail('c.pdf', `no publication with a link a[href^="/fichiers/"][href$=".pdf"] found (${found.visits} detail pages visited)`);
    return null;
  }
  pass('c.pdf-link', `${found.detail} links to ${found.pdf} (after ${found.visits} detail page(s))`);

  // Click and download. A PDF served inline opens in Chromium's viewer instead of firing a
  // download event: then the bytes of the response the click navigated to are checked instead.
  await goto(page, found.detail);
  const link = page.locator(`a[href="${found.pdf}"], a[href="${abs(found.pdf)}"]`).first();
  const pdfUrl = abs(found.pdf);
  let onResp;
  const inlineResponse = new Promise((resolve) => {
    onResp = (r) => {
      if (r.url() === pdfUrl && !/attachment/i.test(r.headers()['content-disposition'] || '')) resolve(r);
    };
    context.on('response', onResp);
  });
  try {
    const outcome = await Promise.race([
      waitForAnyDownload(context, page, ACTION_TIMEOUT_MS).then((d) => ({ download: d })),
      inlineResponse.then((r) => new Promise((res) => setTimeout(() => res({ inline: r }), 2_000))),
      link.click().then(() => new Promise(() => {})),
    ]);
    if (outcome.download) {
      const download = outcome.download;
      const file = path.join(ARTIFACTS, 'download-' + (download.suggestedFilename() || 'file.pdf').replace(/[^\w.-]/g, '_'));
      await download.saveAs(file);
      const failure = await download.failure();
      const size = (await stat(file)).size;
      const head = (await readFile(file)).subarray(0, 5).toString('latin1');
      check('c.download', !failure && head === '%PDF-' && size > 1024,
        `downloaded "${download.suggestedFilename()}" ${size} bytes, starts with %PDF-`,
        `download "${download.suggestedFilename()}": ${failure ? 'failed: ' + failure + ', ' : ''}${size} bytes, starts with ${JSON.stringify(head)} (want %PDF- and > 1024 bytes)`);
    } else {
      // The viewer replaces the response body with its own wrapper page: refetch the bytes.
      const r = outcome.inline;
      const body = await (await page.request.get(pdfUrl, { timeout: ACTION_TIMEOUT_MS })).body();
      const file = path.join(ARTIFACTS, 'download-inline.pdf');
      await writeFile(file, body);
      const head = body.subarray(0, 5).toString('latin1');
      warn('c.download', `no download event: ${found.pdf} is served inline (content-disposition: ${r.headers()['content-disposition'] || 'none'}) and opened in the PDF viewer`);
      const ct = r.headers()['content-type'] || '';
      check('c.download', r.status() === 200 && /^application\/pdf\b/i.test(ct) && head === '%PDF-' && body.length > 1024,
        `clicked link opened the PDF inline (${ct}): ${body.length} bytes, starts with %PDF-`,
        `clicked link opened ${found.pdf} inline: status ${r.status()}, ${ct}, ${body.length} bytes, starts with ${JSON.stringify(head)} (want application/pdf, %PDF- and > 1024 bytes)`);
    }
  } catch (e) {
    fail('c.download', `clicking ${found.pdf} gave no download: ${errMsg(e)}`);
  } finally {
    context.off('response', onResp);
  }

  // Headers, through the page's request context (shares cookies with the page).
  try {
    const r = await page.request.get(abs(found.pdf), { timeout: ACTION_TIMEOUT_MS });
    const h = r.headers();
    const body = await r.body();
    const ct = h['content-type'] || '';
    const xcto = h['x-content-type-options'] || '';
    const cd = h['content-disposition'] || '';
    check('c.status', r.status() === 200, `GET ${found.pdf} -> ${r.status()}, ${body.length} bytes`);
    check('c.content-type', /^application\/pdf\b/i.test(ct), `content-type: ${ct}`, `content-type is "${ct}", expected application/pdf`);
    check('c.nosniff', xcto.trim().toLowerCase() === 'nosniff', `x-content-type-options: ${xcto}`, `x-content-type-options is "${xcto}", expected nosniff`);
    check('c.disposition', /\b(attachment|inline)\b/i.test(cd) && /filename\*?=/i.test(cd),
      `content-disposition: ${cd}`, `content-disposition is "${cd}", expected attachment|inline with a filename`);
    check('c.body', body.subarray(0, 5).toString('latin1') === '%PDF-' && body.length > 1024,
      'fetched body starts with %PDF- and is > 1 KB', `fetched body: ${body.length} bytes, starts with ${JSON.stringify(body.subarray(0, 5).toString('latin1'))}`);
  } catch (e) {
    fail('c.headers', `GET ${found.pdf} failed: ${errMsg(e)}`);
  }
  return found.detail;
}

// d. axe-core on one page.
async function axePage(page, p, expectStatus) {
  const id = `d.axe ${p}`;
  let resp;
  try { resp = await goto(page, p); } catch (e) { fail(id, `could not load: ${errMsg(e)}`); return; }
  const status = resp ? resp.status() : 0;
  if (expectStatus !== undefined) {
    check(`d.status ${p}`, status === expectStatus, `GET ${p} -> ${status}`, `GET ${p} -> ${status}, expected ${expectStatus}`);
  } else if (status >= 400) {
    fail(id, `GET ${p} -> ${status}; page not audited`);
    return;
  }
  await page.addScriptTag({ path: AXE_PATH });
  const res = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: tags, resultTypes: ['violations'] })
      .then((r) => r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
      }))),
    AXE_TAGS,
  );
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = res.filter((v) => !(v.impact === 'serious' || v.impact === 'critical'));
  const fmt = (v) => `${v.id} [${v.impact}] ${v.help} (${v.count} node${v.count > 1 ? 's' : ''}): ${v.targets.join(' | ')}`;
  for (const v of minor) warn(id, fmt(v));
  check(id, bad.length === 0,
    `no serious/critical violation (${minor.length} minor/moderate)`,
    `${bad.length} serious/critical violation(s):`);
  for (const v of bad) info(fmt(v));
}

// e. first Tab lands on a visible skip link.
async function checkSkipLink(page) {
  await goto(page, '/');
  await page.keyboard.press('Tab');
  const r = await page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { focused: null };
    const text = (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim();
    const href = el.getAttribute('href') || '';
    const isSkip = el.tagName === 'A' && (href === '#contenu' || /aller au contenu/i.test(text));
    const cs = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    const clipped = /rect\(\s*0(px)?[ ,]+0(px)?[ ,]+0(px)?[ ,]+0(px)?\s*\)/.test(cs.clip) ||
      /inset\(\s*50%/.test(cs.clipPath);
    const inViewport = rect.right > 0 && rect.bottom > 0 && rect.left < innerWidth && rect.top < innerHeight;
    const visible = (el.checkVisibility ? el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) : true) &&
      rect.width >= 2 && rect.height >= 2 && inViewport && !clipped;
    const targetId = href.startsWith('#') ? decodeURIComponent(href.slice(1)) : '';
    const targetExists = !targetId || !!document.getElementById(targetId) || !!document.getElementsByName(targetId).length;
    return {
      focused: `${el.tagName.toLowerCase()}${href ? `[href="${href}"]` : ''} "${text.slice(0, 40)}"`,
      isSkip, visible, targetId, targetExists,
      box: `${Math.round(rect.left)},${Math.round(rect.top)} ${Math.round(rect.width)}x${Math.round(rect.height)}`,
    };
  });
  if (!r.focused) { fail('e.skip-link', 'Tab focused nothing'); return; }
  check('e.skip-link', r.isSkip, `first Tab focuses skip link ${r.focused}`,
    `first Tab focuses ${r.focused}, expected a[href="#contenu"] / "Aller au contenu"`);
  if (!r.isSkip) return;
  check('e.skip-visible', r.visible, `skip link visible when focused (box ${r.box})`,
    `skip link not visible when focused (box ${r.box}, clipped, off-screen or transparent)`);
  check('e.skip-target', r.targetExists, `skip link target #${r.targetId} exists`, `skip link target #${r.targetId} not found in the page`);
}

// f. screenshots at 1280 and 360 px.
async function screenshots(page, detail) {
  const shots = [['home', '/']];
  if (detail) shots.push(['detail', detail]);
  else fail('f.screenshot', 'no detail page known, detail screenshots skipped');
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 800 });
    for (const [name, p] of shots) {
      const file = path.join(ARTIFACTS, `${name}-${width}.png`);
      try {
        await goto(page, p);
        await page.screenshot({ path: file, fullPage: true, timeout: ACTION_TIMEOUT_MS });
        pass('f.screenshot', `${p} at ${width}px -> ${path.relative(process.cwd(), file)}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 1) warn('f.screenshot', `${p} at ${width}px scrolls horizontally by ${overflow}px`);
      } catch (e) {
        fail('f.screenshot', `${p} at ${width}px: ${errMsg(e)}`);
      }
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

// ---------------------------------------------------------------- main
/** Search as a person would: type in the home box, narrow by a facet, open a result. */
async function checkSearch(page) {
  await goto(page, '/');
  await page.fill('#recherche-accueil', 'FOAD');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }), page.press('#recherche-accueil', 'Enter')]);
  const url = rel(page.url());
  const hits = await page.locator('.hits .card-title a').count();
  const expansion = (await page.locator('.expansion').count()) > 0;
  check('g.search', url.startsWith('/recherche?') && hits > 0 && expansion,
    `typed FOAD on / -> ${url}: ${hits} hit(s), expansion notice ${expansion ? 'shown' : 'missing'}`);
  const facet = page.locator('.facet input[type=checkbox]').first();
  if ((await facet.count()) === 0) { fail('g.facet', 'no facet checkbox'); return; }
  await facet.check();
  await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }), page.click('.filters button[type=submit]')]);
  const chips = await page.locator('.chips li').count();
  const narrowed = await page.locator('.hits .card-title a').count();
  check('g.facet', chips === 1 && narrowed > 0, `one facet chosen -> ${chips} chip, ${narrowed} hit(s) at ${rel(page.url())}`);
  const first = page.locator('.hits .card-title a').first();
  const title = (await first.innerText()).trim();
  await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }), first.click()]);
  const h1 = (await page.locator('h1').first().innerText()).trim();
  check('g.result', h1 === title, `opened result "${title.slice(0, 50)}" -> h1 "${h1.slice(0, 50)}"`);

  // A hit found in a PDF links to the page of its passage.
  await goto(page, '/');
  await page.fill('#recherche-accueil', 'apprentissage');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }), page.keyboard.press('Enter')]);
  const link = page.locator('.hit .file-passage a.file-link').first();
  if ((await link.count()) === 0) { fail('g.pdf-page', `no file passage on ${rel(page.url())}`); return; }
  const href = await link.getAttribute('href');
  const label = (await link.innerText()).trim();
  const m = /#page=(\d+)$/.exec(href || '');
  const passage = (await page.locator('.hit .file-passage').first().innerText()).trim();
  check('g.pdf-page', !!m && label.includes(`page ${m && m[1]}`) && /apprentissage/i.test(passage),
    `file passage links to ${href} ("${label.slice(0, 60)}")`);
  const resp = await page.request.get(new URL(href.split('#')[0], page.url()).href);
  const body = await resp.body();
  check('g.pdf-fetch', resp.status() === 200 && resp.headers()['content-type'] === 'application/pdf' && body.subarray(0, 5).toString() === '%PDF-',
    `GET ${href.split('#')[0]} -> ${resp.status()} ${resp.headers()['content-type']}, ${body.length} bytes`);
}

// h. the deposit workflow: an editor signs in with the keyboard, deposits a study with a subject
// from the thesaurus and its PDF, submits it; an admin publishes it; search finds it by the
// subject's abbreviation and by a word of its PDF within 2 s.

// A small valid PDF (one page, Helvetica) whose text is `text` (ASCII).
function makePdf(text) {
  const stream = `BT /F1 14 Tf 72 720 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

async function signIn(page, email, password, id) {
  const resp = await goto(page, '/admin');
  check(`${id}.redirect`, /\/connexion\?suite=/.test(page.url()),
    'anonymous /admin leads to the login page', `anonymous /admin ended on ${rel(page.url())} (${resp && resp.status()})`);
  // Keyboard only: type, Tab, type, Enter.
  await page.focus('#email');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await Promise.all([page.waitForURL(/\/admin$/), page.keyboard.press('Enter')]);
  const h1 = (await page.textContent('h1') || '').trim();
  check(`${id}.login`, h1 === 'Tableau de bord', `${email} signed in with the keyboard`, `after login: h1 "${h1}" on ${rel(page.url())}`);
}

async function checkDeposit(browser) {
  const editorEmail = process.env.E2E_EDITOR_EMAIL;
  const adminEmail = process.env.E2E_ADMIN_EMAIL;
  const password = process.env.E2E_PASSWORD;
  if (!editorEmail || !adminEmail || !password) {
    fail('h', 'E2E_EDITOR_EMAIL, E2E_ADMIN_EMAIL and E2E_PASSWORD are needed for the deposit scenario (see .ci/run)');
    return;
  }
  const options = { bypassCSP: true, locale: 'fr-FR', viewport: { width: 1280, height: 800 } };
  const word = `zircon${Date.now() % 100000}`;
  const pdfWord = `beryl${Date.now() % 100000}`; // only in the PDF's text, not in the record
  const title = `Etude e2e des ateliers ${word}`;

  const editorContext = await browser.newContext(options);
  editorContext.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const editor = await editorContext.newPage();
  editor.on('pageerror', (e) => warn('js', `uncaught error on ${rel(editor.url())}: ${errMsg(e)}`));
  await axePage(editor, '/connexion');
  await signIn(editor, editorEmail, password, 'h.editor');
  await axePage(editor, '/admin');

  await goto(editor, '/admin/publications/nouvelle');
  await editor.fill('#titre', title);
  await editor.selectOption('#type', 'etude');
  // The subject field completes concepts; without a choice its text is resolved on submit.
  await editor.fill('#sujets_ajout', 'gestion prévisionnelle des emplois et des compétences');
  await editor.keyboard.press('Escape');
  await Promise.all([editor.waitForURL(/\/admin\/publications\/[0-9a-f-]{36}\?ok=cree$/), editor.click('button:has-text("Enregistrer le brouillon")')]);
  const draftUrl = rel(editor.url()).split('?')[0];
  const status1 = (await editor.textContent('#statut') || '').trim();
  check('h.draft', status1 === 'Brouillon', `draft created at ${draftUrl}`, `after create: status "${status1}"`);
  const kept = await editor.$$eval('input[name=sujet]:checked', (xs) => xs.length);
  check('h.subject', kept === 1, 'the thesaurus subject was resolved and kept', `${kept} subject(s) kept`);

  await editor.setInputFiles('#fichier', { name: `etude-${word}.pdf`, mimeType: 'application/pdf', buffer: makePdf(`Les ateliers ${pdfWord} recrutent des techniciens.`) });
  await Promise.all([editor.waitForURL(/\?ok=fichier$/), editor.click('button:has-text("Envoyer le fichier")')]);
  const fileListed = await editor.isVisible(`a:has-text("etude-${word}.pdf")`);
  check('h.upload', fileListed, 'the PDF is stored and listed', 'the uploaded PDF is not listed');
  await axePage(editor, draftUrl);

  await Promise.all([editor.waitForURL(/\?ok=submitted$/), editor.click('button:has-text("Soumettre pour relecture")')]);
  const status2 = (await editor.textContent('#statut') || '').trim();
  check('h.submit', status2 === 'En relecture', 'the editor submitted it for review', `after submit: status "${status2}"`);
  const canPublish = await editor.isVisible('button:has-text("Publier")');
  check('h.review', !canPublish, 'the editor cannot publish it under review', 'the editor is offered "Publier" under review');
  await editorContext.close();

  const adminContext = await browser.newContext(options);
  adminContext.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const admin = await adminContext.newPage();
  await signIn(admin, adminEmail, password, 'h.admin');
  const waiting = await admin.isVisible(`a:has-text("${title}")`);
  check('h.dashboard', waiting, 'the dashboard lists it as waiting for review', 'not in the dashboard\'s review list');
  await goto(admin, draftUrl);
  await Promise.all([admin.waitForURL(/\?ok=published$/), admin.click('button:has-text("Publier")')]);
  const publishedAt = Date.now();
  const status3 = (await admin.textContent('#statut') || '').trim();
  check('h.publish', status3 === 'Publiée', 'the admin published it', `after publish: status "${status3}"`);

  // Search by the subject's abbreviation, then by a word found only in the PDF: each finds it
  // within 2 s of publishing (the results page is polled).
  const search = await adminContext.newPage();
  for (const [id, q] of [['h.search', 'GPEC'], ['h.search-pdf', pdfWord]]) {
    let foundAfter = -1;
    while (Date.now() - publishedAt < 2_000) {
      await goto(search, `/recherche?q=${encodeURIComponent(q)}`);
      if (await search.isVisible(`a:has-text("${title}")`)) { foundAfter = Date.now() - publishedAt; break; }
      await new Promise((r) => setTimeout(r, 150));
    }
    check(id, foundAfter >= 0, `"${q}" finds it ${foundAfter} ms after publishing`, `"${q}" does not find it within 2 s of publishing`);
  }

  // The admin opens an account for a colleague: the one-time password is shown once.
  await axePage(admin, '/admin/comptes');
  const colleague = `e2e-${word}@observatoire-metallurgie.fr`;
  await admin.fill('#email', colleague);
  await admin.selectOption('#role', 'editor');
  await admin.selectOption('#observatoire', { index: 1 });
  await Promise.all([admin.waitForSelector('code.secret'), admin.click('button:has-text("Ouvrir le compte")')]);
  const secret = ((await admin.textContent('code.secret')) || '').trim();
  const listed = await admin.isVisible(`td:has-text("${colleague}")`);
  check('h.account', secret.length === 20 && listed, `the admin opened ${colleague}, with a one-time password shown once`, `after opening an account: password "${secret.length}" chars, listed ${listed}`);
  await axePage(admin, '/admin/mot-de-passe');
  await axePage(admin, '/admin/observatoires');
  await axePage(admin, '/admin/mots-familiers');
  await adminContext.close();
}

// i. harvesting: an admin adds a listing page of a small site this script serves on 127.0.0.1
// as a source (the server runs with BIBLIOTHEQUE_HARVEST_ALLOW=127.0.0.0/8, see .ci/run); the
// server's harvest task takes it at once, and search finds the harvested study.
async function checkHarvest(browser) {
  const adminEmail = process.env.E2E_ADMIN_EMAIL;
  const password = process.env.E2E_PASSWORD;
  if (!adminEmail || !password) {
    fail('i', 'E2E_ADMIN_EMAIL and E2E_PASSWORD are needed for the harvest scenario (see .ci/run)');
    return;
  }
  const word = `olivine${Date.now() % 100000}`;
  const title = `Etude moissonnee des carrieres ${word}`;
  const { createServer } = await import('node:http');
  const site = createServer((req, res) => {
    if (req.url === '/publications') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<html><body><a href="/f/carrieres.pdf">${title}</a></body></html>`);
    } else if (req.url === '/f/carrieres.pdf') {
      res.writeHead(200, { 'content-type': 'application/pdf' });
      res.end(makePdf(`Les carrieres ${word} recrutent.`));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  const siteUrl = `http://127.0.0.1:${site.address().port}/publications`;
  const context = await browser.newContext({ bypassCSP: true, locale: 'fr-FR', viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  try {
    const admin = await context.newPage();
    await signIn(admin, adminEmail, password, 'i.admin');
    await axePage(admin, '/admin/moissonnage');
    await admin.selectOption('#kind', 'page');
    await admin.fill('#url', siteUrl);
    await admin.selectOption('#observatoire', { index: 1 });
    await admin.fill('#nom', 'Site e2e');
    await Promise.all([admin.waitForURL(/\?ok=ajout/), admin.click('button:has-text("Ajouter la source")')]);
    const listed = await admin.isVisible(`a:has-text("${siteUrl}")`);
    check('i.source', listed, `the source ${siteUrl} is added and listed`, 'the new source is not listed');
    await axePage(admin, rel(admin.url()));
    const addedAt = Date.now();
    let foundAfter = -1;
    while (Date.now() - addedAt < 20_000) {
      await goto(admin, `/recherche?q=${encodeURIComponent(word)}`);
      if (await admin.isVisible(`a:has-text("${title}")`)) { foundAfter = Date.now() - addedAt; break; }
      await new Promise((r) => setTimeout(r, 300));
    }
    check('i.search', foundAfter >= 0, `search finds the harvested study ${foundAfter} ms after the source was added`, 'search does not find the harvested study within 20 s');
    if (foundAfter >= 0) {
      await Promise.all([admin.waitForLoadState(), admin.click(`a:has-text("${title}")`)]);
      const origin = ((await admin.textContent('.record-origin')) || '').trim();
      check('i.origin', origin === 'Site e2e', 'its page says where it comes from: "Source : Site e2e"', `its origin reads "${origin}"`);
    }
  } finally {
    await context.close();
    site.close();
  }
}

async function step(id, fn) {
  try { return await fn(); } catch (e) { fail(id, `error: ${errMsg(e)}`); return null; }
}

// Waits up to 10 s for the server to answer (it may just have been started).
async function serverUp() {
  const deadline = Date.now() + 10_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const r = await fetch(BASE + '/', { signal: AbortSignal.timeout(3_000), redirect: 'manual' });
      await r.arrayBuffer();
      return true;
    } catch (e) {
      last = errMsg(e.cause || e);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  fail('server', `${BASE}/ does not answer after 10 s (${last}); nothing else was checked`);
  return false;
}

async function main() {
  await mkdir(ARTIFACTS, { recursive: true });
  console.log(`e2e against ${BASE} with ${CHROMIUM}`);
  if (!(await serverUp())) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 20_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({
    acceptDownloads: true,
    bypassCSP: true, // axe is injected as an inline script; a strict CSP would block it
    locale: 'fr-FR',
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(NAV_TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (e) => warn('js', `uncaught error on ${rel(page.url())}: ${errMsg(e)}`));

  await step('a', () => checkHome(page));
  const clicked = await step('b', () => checkDetailByClick(page));
  const scan = await context.newPage();
  const pdfDetail = await step('c', () => checkPdf(context, page, scan));
  // page.close() can hang on a Chromium error page: never wait more than 2 s for it.
  await Promise.race([scan.close().catch(() => {}), new Promise((r) => setTimeout(r, 2_000))]);
  const detail = clicked || pdfDetail;

  await step('g', () => checkSearch(page));
  const thesaurusPages = ['/recherche?q=FOAD', '/thesaurus', '/thesaurus?lettre=f', '/thesaurus/themes', '/thesaurus/themes/formation-a-distance'];
  for (const p of ['/', '/publications', detail, '/observatoires', ...thesaurusPages]) {
    if (!p) { fail('d.axe', 'no detail page known, detail page not audited'); continue; }
    await step(`d.axe ${p}`, () => axePage(page, p));
  }
  await step('d.axe 404', () => axePage(page, '/publications/nexiste-pas', 404));
  await step('e', () => checkSkipLink(page));
  await step('h', () => checkDeposit(browser));
  await step('i', () => checkHarvest(browser));
  await step('f', () => screenshots(page, detail));
  await browser.close();
}

try {
  await main();
} catch (e) {
  fail('run', `aborted: ${errMsg(e)}`);
  try { await browser?.close(); } catch { /* ignore */ }
}
if (finished) await new Promise(() => {}); // the watchdog has already reported and is exiting
finished = true;
clearTimeout(watchdog);
console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
summary();
process.exit(failed > 0 ? 1 : 0);
