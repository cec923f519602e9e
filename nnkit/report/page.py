"""The frame both report pages share: one self-contained HTML file, readable at a laptop's
width and in print, with no script, font or picture fetched from anywhere.

Everything put into a page goes through `escape` or is markup built here; colour is always
doubled by text, a line style or a border, so a page printed in black and white says the same.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from nnkit.i18n import lang
from nnkit.i18n.lang import _

STYLE = """
:root{--ink:#1b1b1b;--muted:#555;--rule:#c8c8c8;--mark:#ffe08a;--mark-ink:#5c3b00}
*{box-sizing:border-box}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
 max-width:78rem;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin:.2rem 0 .6rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;
 border-bottom:1px solid var(--rule);padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
p.lead{font-size:1.05rem}.muted{color:var(--muted)}
.notice{border:2px solid var(--ink);padding:.6rem .9rem;margin:1rem 0;font-weight:600}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.95rem}
th,td{border:1px solid var(--rule);padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:.6rem 0 1.2rem;max-width:48rem}figure svg{width:100%;height:auto}
figcaption{font-size:.92rem;color:var(--muted)}
details summary{cursor:pointer}
pre{font:13px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;white-space:pre-wrap;
 overflow-wrap:anywhere;margin:0;padding:.5rem;border:1px solid var(--rule);background:#fafafa}
mark{background:var(--mark);color:var(--mark-ink);text-decoration:underline 2px;
 text-underline-offset:2px;font-weight:600}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:.8rem}
.sides h4{margin:.2rem 0;font-size:.95rem}
@media (max-width:52rem){.sides{grid-template-columns:1fr}}
@media print{body{max-width:none;margin:0;font-size:11pt}a{color:inherit}
 h2{break-after:avoid}figure,tr,.pair{break-inside:avoid}.scroll{overflow:visible}
 details>*{display:block}mark{background:none;border-bottom:2px solid var(--ink)}
 pre{font-size:8.5pt;background:none}}
"""


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def document(title: str, body: Iterable[str]) -> str:
    """A whole page: `title` is plain text, `body` is markup."""
    return (f"<!doctype html>\n<html lang={lang.language()}>\n<head><meta charset=utf-8>"
            "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table of markup cells (escape text before); columns in `numeric` align right."""
    def cell(tag: str, i: int, content: str) -> str:
        return f"<{tag} class=num>{content}</{tag}>" if i in numeric else f"<{tag}>{content}</{tag}>"

    head = "".join(cell("th", i, escape(h)) for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<div class=scroll><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def figure(svg: str, caption: str) -> str:
    """An inline SVG picture with a caption that states in words what it shows."""
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def percent(share: float) -> str:
    return _("{share:.0%}").format(share=share)
