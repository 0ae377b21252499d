"""HTML + CSS to PDF with WeasyPrint: the report templates under reports/, the bundled fonts.

Templates are Jinja with autoescaping on (school names are data typed by people), rendered
outside any request, so they work the same from the CLI, the job queue and the tests.
"""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..fonts import bold_font_path, font_path
from .data import REPORTS_ROOT


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment over reports/ (autoescaped HTML)."""
    env = Environment(loader=FileSystemLoader(str(REPORTS_ROOT)),
                      autoescape=select_autoescape(["html", "xml"], default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(font_regular=font_path().as_uri(), font_bold=bold_font_path().as_uri())
    return env


def render_html(template: str, **context) -> str:
    """One report template rendered to HTML."""
    return environment().get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of a rendered report (fonts only from the file:// URLs the template declares)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(REPORTS_ROOT)).write_pdf()


def render_pdf(template: str, **context) -> bytes:
    """A report template straight to PDF bytes."""
    return html_to_pdf(render_html(template, **context))
