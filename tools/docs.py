#!/usr/bin/env python
"""Build the docs site offline, without Quarto: nbdev's own notebook processing (`nbdev-proc-nbs`: front matter,
`show_doc`, hidden cells, directives), then each processed notebook rendered to HTML with a sidebar, working links
between pages and a client-side search. Also renders README.md from index.ipynb (what `nbdev-readme` does with Quarto).

    python tools/docs.py            # the site in _docs/ (not committed); open _docs/index.html or serve the folder
    python tools/docs.py --readme   # README.md from nbs/index.ipynb only

Where Quarto is installed, `nbdev-docs` builds the same notebooks into nbdev's standard site instead."""
import argparse, base64, html, json, re, shutil, sys
from pathlib import Path
import mistune, yaml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from nbdev.config import get_config

ROOT = Path(__file__).resolve().parent.parent
md = mistune.create_markdown(escape=False, plugins=['table', 'strikethrough', 'url'])

def _src(c): return ''.join(c.get('source', ''))
def _directives(src): return {l[3:].split(':')[0].strip(): l.split(':',1)[1].strip() if ':' in l else '' for l in src.splitlines() if l.startswith('#| ')}
def _code(src): return '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()

def _slug(text):
    "Heading id as Quarto makes it: lower case, spaces to dashes, punctuation other than `_.-` dropped."
    text = re.sub(r'<[^>]+>', '', html.unescape(text)).strip().lower()
    return re.sub(r'[^a-z0-9_.\- ]', '', text).replace(' ', '-')

_BAR = re.compile(r'^\s*(█|(Epoch \d+/\d+ : )?\|[█-]*\| *\d+\.\d+% \[\d+/\d+ [^\]]*\])\s*$')

def _no_bars(text):
    "Stream text without fastprogress's console bars, as fastai's docs show a fit: the table and the printed lines stay."
    out = []
    for line in text.split('\n'):
        segs = [s for s in line.split('\r') if not _BAR.match(s) and ('\r' not in line or s.strip())]
        if segs or '\r' not in line and not _BAR.match(line): out.append(segs[-1] if segs else line)
    return '\n'.join(out)

class Site:
    def __init__(self, out):
        self.cfg = get_config()
        self.out = Path(out)
        self.doc_url = f"{self.cfg.doc_host}{self.cfg.doc_baseurl}".rstrip('/') + '/'

    def pages(self, proc):
        "(notebook, output file, title, description, section) for every processed notebook, home page first."
        res = []
        for nb_fn in sorted(proc.rglob('*.ipynb')):
            rel = nb_fn.relative_to(proc)
            nb = json.loads(nb_fn.read_text())
            fm = next((yaml.safe_load(_src(c).strip().strip('-')) for c in nb['cells'] if c['cell_type']=='raw' and _src(c).startswith('---')), {}) or {}
            outf = str(rel.parent/fm.get('output-file', rel.stem+'.html')) if str(rel.parent)!='.' else fm.get('output-file', rel.stem+'.html')
            section = 'Home' if rel.name=='index.ipynb' and str(rel.parent)=='.' else ('Library' if str(rel.parent)=='.' else rel.parent.name.capitalize())
            res.append(dict(nb=nb, rel=str(rel), out=outf, title=fm.get('title', rel.stem), desc=fm.get('description', ''), section=section))
        order = {'Home': 0, 'Tutorials': 1, 'Library': 2}
        return sorted(res, key=lambda p: (order.get(p['section'], 3), p['rel']))

    def fix_links(self, h, page, pages):
        "Links to notebooks and to the published site become links between the local pages."
        depth = page['out'].count('/')
        up = '../'*depth
        nbmap = {p['rel']: p['out'] for p in pages}
        def _nb(m):
            target = m.group(1)
            for rel,outf in nbmap.items():
                if Path(target).name==Path(rel).name: return f'href="{up}{outf}{m.group(2) or ""}"'
            return m.group(0)
        h = re.sub(r'href="(?!https?:)([^"#]+\.ipynb)(#[^"]*)?"', _nb, h)
        return h.replace(f'href="{self.doc_url}', f'href="{up}')

    def render_output(self, o, page, img_n):
        t = o.get('output_type')
        if t=='stream':
            text = _no_bars("".join(o.get("text","")))
            return f'<pre class="output">{html.escape(text)}</pre>' if text.strip() else ''
        if t=='error': return f'<pre class="output error">{html.escape(o.get("ename",""))}: {html.escape(o.get("evalue",""))}</pre>'
        d = o.get('data', {})
        if 'image/png' in d:
            fn = f"figures/{Path(page['out']).stem}_{img_n[0]}.png"; img_n[0] += 1
            (self.out/fn).parent.mkdir(parents=True, exist_ok=True)
            (self.out/fn).write_bytes(base64.b64decode(''.join(d['image/png'])))
            up = '../'*page['out'].count('/')
            return f'<img class="output" src="{up}{fn}" alt="figure {img_n[0]} of {html.escape(page["title"])}">'
        if 'text/html' in d: return f'<div class="output">{"".join(d["text/html"])}</div>'
        if 'text/markdown' in d: return f'<div class="output">{self.markdown("".join(d["text/markdown"]))}</div>'
        if 'text/plain' in d: return f'<pre class="output">{html.escape("".join(d["text/plain"]))}</pre>'
        return ''

    def markdown(self, text):
        text = re.sub(r'\[source\]\(([^)]+)\)\{[^}]*\}', r'<a class="source" href="\1" target="_blank" rel="noopener">source</a>', text)
        h = md(text)
        return re.sub(r'<h([1-6])>(.*?)</h\1>', lambda m: f'<h{m.group(1)} id="{_slug(m.group(2))}">{m.group(2)}</h{m.group(1)}>', h)

    def render_cells(self, page):
        parts,img_n = [],[0]
        for c in page['nb']['cells']:
            src = _src(c)
            if c['cell_type']=='raw' or not src.strip() and not c.get('outputs'): continue
            if c['cell_type']=='markdown':
                if src.startswith('<!-- WARNING'): continue
                parts.append(self.markdown(src)); continue
            d = _directives(src)
            code = _code(src)
            if d.get('echo','true')!='false' and code:
                parts.append(f'<div class="cell">{highlight(code, PythonLexer(), HtmlFormatter(nowrap=False))}</div>')
            outs = [self.render_output(o, page, img_n) for o in c.get('outputs', [])]
            if d.get('output')=='false': outs = []
            parts.extend(o for o in outs if o)
        return '\n'.join(parts)

    def sidebar(self, page, pages):
        up = '../'*page['out'].count('/')
        items,section = [],None
        for p in pages:
            if p['section']!=section:
                section = p['section']
                if section!='Home': items.append(f'<li class="section">{section}</li>')
            cls = ' class="active"' if p is page else ''
            items.append(f'<li><a{cls} href="{up}{p["out"]}">{html.escape(p["title"])}</a></li>')
        return (f'<nav id="sidebar"><a class="brand" href="{up}index.html">{self.cfg.lib_name}</a>'
                f'<input id="search" type="search" placeholder="Search" aria-label="Search" data-root="{up}">'
                f'<ul id="search-results"></ul><ul class="pages">{"".join(items)}</ul></nav>')

    def build(self, proc):
        if self.out.exists(): shutil.rmtree(self.out)
        self.out.mkdir(parents=True)
        pages = self.pages(proc)
        index = []
        for p in pages:
            body = self.fix_links(self.render_cells(p), p, pages)
            up = '../'*p['out'].count('/')
            desc = f'<p class="description">{html.escape(p["desc"])}</p>' if p['desc'] else ''
            doc = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
                   f'<title>{html.escape(p["title"])} – {self.cfg.lib_name}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="{up}site.css"></head>'
                   f'<body>{self.sidebar(p, pages)}<main><h1 class="title">{html.escape(p["title"])}</h1>{desc}{body}</main>'
                   f'<script src="{up}search.js"></script></body></html>')
            p['html'] = doc
            text = re.sub(r'<[^>]+>', ' ', body)
            index.append(dict(title=p['title'], url=p['out'], text=re.sub(r'\s+', ' ', html.unescape(text))[:20000]))
        ids = {p['out']: set(re.findall(r' id="([^"]+)"', p['html'])) for p in pages}
        for p in pages:  # nbdev links every name it knows; keep the links whose target documents it (`show_doc`)
            up = '../'*p['out'].count('/')
            def _unlink(m):
                target,frag = m.group(2),m.group(3)
                return m.group(0) if frag in ids.get(target, {frag}) else m.group(4)
            doc = re.sub(r'<a href="(%s)([^"#]+\.html)#([^"]+)"[^>]*>(.*?)</a>' % re.escape(up), _unlink, p['html'])
            (self.out/p['out']).parent.mkdir(parents=True, exist_ok=True)
            (self.out/p['out']).write_text(doc)
        (self.out/'search.json').write_text(json.dumps(index))
        (self.out/'site.css').write_text(CSS + HtmlFormatter().get_style_defs('.highlight'))
        (self.out/'search.js').write_text(JS)
        if (ROOT/'nbs'/'images').is_dir(): shutil.copytree(ROOT/'nbs'/'images', self.out/'images')  # pictures the markdown cells show
        return pages

CSS = """
body{margin:0;font:16px/1.55 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#222;display:flex}
#sidebar{position:sticky;top:0;height:100vh;overflow:auto;width:250px;flex:none;background:#f6f7f9;border-right:1px solid #e3e5e8;padding:1rem;box-sizing:border-box}
#sidebar .brand{font-weight:700;font-size:1.1rem;text-decoration:none;color:#222;display:block;margin-bottom:.7rem}
#sidebar ul{list-style:none;padding:0;margin:.5rem 0}#sidebar li a{display:block;padding:.2rem .4rem;color:#335;text-decoration:none;border-radius:4px}
#sidebar li a.active,#sidebar li a:hover{background:#e2e8f0}#sidebar li.section{margin-top:.8rem;font-size:.8rem;text-transform:uppercase;color:#778;letter-spacing:.05em}
#search{width:100%;box-sizing:border-box;padding:.35rem .5rem;border:1px solid #ccd;border-radius:4px}
#search-results li a{font-size:.9rem}#search-results .snippet{display:block;font-size:.75rem;color:#667}
main{max-width:960px;padding:1.5rem 2.5rem;min-width:0;flex:1}
h1.title{margin-top:0}.description{font-size:1.15rem;color:#555;margin-top:-.5rem}
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.87rem}
main pre{background:#f7f7f9;padding:.6rem .8rem;overflow:auto}.cell .highlight pre{border-left:3px solid #8aa}
pre.output{background:#fff;border-left:3px solid #ddd;padding:.4rem .8rem;overflow:auto;max-height:40rem}
img.output{max-width:min(100%,760px);display:block;margin:.5rem 0}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}th,td{border:1px solid #dde;padding:.25rem .55rem;text-align:left}
a.source{float:right;font-size:.8rem}div.output{overflow:auto}
"""

JS = """
(function(){
  const box = document.getElementById('search'), list = document.getElementById('search-results');
  if (!box) return;
  const root = box.dataset.root || '';
  let idx = null;
  async function load(){ if (idx) return idx; const r = await fetch(root + 'search.json'); idx = await r.json(); return idx; }
  box.addEventListener('input', async function(){
    const q = box.value.trim().toLowerCase(); list.innerHTML = '';
    if (q.length < 2) return;
    for (const p of await load()) {
      const i = p.text.toLowerCase().indexOf(q);
      if (i < 0 && !p.title.toLowerCase().includes(q)) continue;
      const li = document.createElement('li'), a = document.createElement('a'), s = document.createElement('span');
      a.href = root + p.url; a.textContent = p.title; s.className = 'snippet';
      s.textContent = i < 0 ? '' : '…' + p.text.slice(Math.max(0, i - 40), i + 60) + '…';
      a.appendChild(s); li.appendChild(a); list.appendChild(li);
    }
  });
})();
"""

def readme(index_nb:Path, dst:Path):
    "README.md from index.ipynb, laid out as nbdev-readme does: markdown, visible code cells and their text outputs."
    nb,out = json.loads(index_nb.read_text()),[]
    for c in nb['cells']:
        src = _src(c)
        if c['cell_type']=='markdown': out.append(src); continue
        if c['cell_type']!='code' or 'hide' in _directives(src) or any(l.strip()=='#| hide' for l in src.splitlines()): continue
        code = _code(src)
        if not code: continue
        out.append(f"```python\n{code}\n```")
        for o in c.get('outputs', []):
            txt = o.get('text') or o.get('data', {}).get('text/plain')
            if txt: out.append('    ' + ''.join(txt).rstrip().replace('\n', '\n    '))
    text = re.sub(r'\]\(((?:tutorials/)?\w+)\.ipynb\)', r'](nbs/\1.ipynb)', '\n\n'.join(out) + '\n')
    text = re.sub(r'\]\((images/[^)\s]+)\)', r'](nbs/\1)', text)  # pictures live in nbs/images
    dst.write_text(text)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--readme', action='store_true', help='only write README.md from nbs/index.ipynb')
    ap.add_argument('--out', default=str(ROOT/'_docs'), help='output folder (default _docs)')
    a = ap.parse_args()
    readme(ROOT/'nbs'/'index.ipynb', ROOT/'README.md')
    if a.readme: return
    from nbdev.serve import proc_nbs
    proc = proc_nbs(n_workers=1)
    pages = Site(a.out).build(proc)
    print(f"docs: {len(pages)} pages in {a.out}: " + ', '.join(p['out'] for p in pages))

if __name__ == '__main__': main()
