#!/usr/bin/env python
"""Browser check of the built docs site: serve `_docs/` on localhost and open every page in headless Chromium
(Debian's `chromium`, driven by Playwright). Fails (exit 1) on a console error or uncaught exception, a request
that fails or returns an error status, an image that is missing or does not decode, a sidebar or in-page link that
does not resolve (anchors included), a search that finds nothing, or a home page without the quickstart.

    python tools/docs.py && python tools/check_docs.py [--screenshot home.png]"""
import argparse, functools, json, sys, threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urlparse

ROOT = Path(__file__).resolve().parent.parent
from cifar10_fastai.demo import CHROMIUM_ARGS # this machine has no network: no background requests of the browser's own

class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *a): pass

def check(site:Path, chromium:str, screenshot=None)->list:
    from playwright.sync_api import sync_playwright
    srv = ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}/"
    pages = [p['url'] for p in json.loads((site/'search.json').read_text())]
    problems,checked,anchors = [],[],{}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        cur = {}
        page.on('console', lambda m: m.type=='error' and problems.append(f"{cur['url']}: console error: {m.text}"))
        page.on('pageerror', lambda e: problems.append(f"{cur['url']}: uncaught exception: {e}"))
        page.on('requestfailed', lambda r: problems.append(f"{cur['url']}: request failed: {r.url}"))
        page.on('response', lambda r: r.status>=400 and problems.append(f"{cur['url']}: HTTP {r.status} for {r.url}"))
        links = {}
        for url in pages:
            cur['url'] = url
            resp = page.goto(base+url, wait_until='load')
            if resp is None or resp.status!=200: problems.append(f"{url}: HTTP {resp and resp.status}")
            imgs = page.eval_on_selector_all('img', """els => Promise.all(els.map(i => i.decode().then(() => [i.src, i.naturalWidth], () => [i.src, 0])))""")
            problems += [f"{url}: image does not load or decode: {src}" for src,w in imgs if not w]
            anchors[url] = set(page.eval_on_selector_all('[id]', 'els => els.map(e => e.id)'))
            sidebar = page.eval_on_selector_all('#sidebar a', 'els => els.map(a => a.href)')
            if len(sidebar) < len(pages): problems.append(f"{url}: the sidebar has {len(sidebar)} links for {len(pages)} pages")
            for h in sidebar + page.eval_on_selector_all('main a[href]', 'els => els.map(a => a.href)'):
                if h.startswith(base): links.setdefault(h, url)
            checked.append((url, page.title(), len(imgs)))
        for h,src in links.items():  # every local link resolves, and its anchor exists
            target,frag = urldefrag(h)
            rel = urlparse(target).path.lstrip('/') or 'index.html'
            if rel not in anchors:
                if not (site/rel).is_file(): problems.append(f"{src}: broken link {h}")
            elif frag and frag not in anchors[rel]: problems.append(f"{src}: link to a missing anchor {h}")
        cur['url'] = 'index.html'
        page.goto(base+'index.html', wait_until='load')
        body = page.inner_text('main')
        for want in ('Two commands for a fresh machine', 'cifar10-train', 'nbdev-test'):
            if want not in body: problems.append(f"index.html: the home page does not show the quickstart ({want!r} missing)")
        page.fill('#search', 'one-cycle')
        page.wait_for_timeout(500)
        if page.eval_on_selector_all('#search-results li', 'els => els.length')==0: problems.append("search for 'one-cycle' found nothing")
        page.fill('#search', '')
        if screenshot: page.screenshot(path=str(screenshot), full_page=False)
        browser.close()
    srv.shutdown()
    return problems,checked

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--site', default=str(ROOT/'_docs'))
    ap.add_argument('--chromium', default='/usr/bin/chromium')
    ap.add_argument('--screenshot', default=None, help='save a screenshot of the home page here')
    a = ap.parse_args()
    if not Path(a.chromium).exists(): sys.exit(f"check_docs: no Chromium at {a.chromium} (apt install chromium)")
    if not (Path(a.site)/'search.json').exists(): sys.exit(f"check_docs: no built site in {a.site}: run python tools/docs.py first")
    problems,checked = check(Path(a.site), a.chromium, a.screenshot)
    for url,title,n in checked: print(f"checked {url} ({title}, {n} images)")
    for p in problems: print(f"PROBLEM {p}")
    print(f"check_docs: {len(checked)} pages, {len(problems)} problems")
    sys.exit(1 if problems else 0)

if __name__ == '__main__': main()
