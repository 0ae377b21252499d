"""Every staff page for each role, and every public page, rendered in headless Chromium at a phone
width (390 px) and a desktop width (1366 px): the page never scrolls sideways, every link of the
top bar is visible inside the blue band (after opening the folded menu on a phone), the bar does
not cover the heading, and every table sits in a .table-wrap whose headers stay on one line.

Pages are found in app.url_map, so a new page is covered without touching this file; a URL
argument the test does not know how to fill fails the test with the route's name. Screenshots
are kept in tests/browser/artifacts/ (git-ignored) for people to look at.

Each page is loaded once per role and checked at both widths by resizing the window: the staff
CSS is responsive without JavaScript, so a resized page lays out as one loaded at that width,
and the server's time (result pages take a second or two each) is spent once, not twice.
"""
from __future__ import annotations

import re
import time

import pytest

from support import require_file, valid_answers

from browser.live import ARTIFACTS, CHROMIUM, PASSWORD, ROLES

pytestmark = pytest.mark.browser

WIDTHS = {"phone": (390, 844), "desktop": (1366, 900)}
#: GET routes that are not pages, each with the reason. Everything else is rendered.
EXCLUDED = {
    "static": "CSS and other files",
    "healthz": "JSON for the load balancer",
    "respond.favicon": "an icon",
}
#: Endpoints that send a file (decided by name: /staff/analysis/<id>/download ...).
DOWNLOAD = re.compile(r"(^|[._])(download|export)s?($|_)")
#: URL endings of file downloads and images (posters, QR codes, charts, CSV, ZIP, JSON), also
#: as a converter: /template.<any(csv, xlsx):kind>.
FILE_SUFFIX = re.compile(r"\.((pdf|png|svg|csv|zip|xlsx|json|ico|txt)|<[^>]+>)$")
#: Pages whose whole length is kept as a screenshot (the rest: the first screenful, which is
#: much quicker to take); the opened phone menu is kept for the dashboard.
FULL_PAGE = {"staff.home", "results.county", "results.zone", "staff.school", "staff.launch",
             "respond.form", "thanks"}
MENU_SHOT = "staff.home"

NAV_CHECK = """() => {
  const bar = document.querySelector('header.bar');
  if (!bar) return {bar: false};
  const b = bar.getBoundingClientRect();
  const items = [...bar.querySelectorAll('a, button')].map(el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return {text: el.textContent.trim(), visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden',
            inside: r.left >= b.left - 0.5 && r.right <= b.right + 0.5 && r.top >= b.top - 0.5
                    && r.bottom <= b.bottom + 0.5 && r.left >= -0.5 && r.right <= window.innerWidth + 0.5};
  });
  const h1 = document.querySelector('main h1');
  return {bar: true, bottom: b.bottom, height: b.height, items,
          h1top: h1 ? h1.getBoundingClientRect().top + window.scrollY : null};
}"""
LAYOUT_CHECK = """() => {
  const tables = [...document.querySelectorAll('main table')];
  // The header's text, not its cell: a row header is as tall as its row's longest value.
  const tall = [...document.querySelectorAll('main th')].filter(th => {
    const lh = parseFloat(getComputedStyle(th).lineHeight) || 22, text = document.createRange();
    text.selectNodeContents(th);
    return text.getBoundingClientRect().height > 2 * lh + 2;
  }).map(th => th.textContent.trim());
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          height: document.documentElement.scrollHeight,
          unwrapped: tables.filter(t => !t.closest('.table-wrap')).length, tall: tall.slice(0, 5)};
}"""


def page_routes(app, staff: bool) -> list:
    """GET routes that render pages: staff ones (under /staff) or public ones."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in EXCLUDED:
            continue
        if rule.rule.startswith("/api/") or FILE_SUFFIX.search(rule.rule) or DOWNLOAD.search(rule.endpoint):
            continue  # JSON API (tests/api) and file downloads (their own tests)
        if rule.rule.startswith("/staff") == staff:
            found.append(rule)
    return sorted(found, key=lambda r: r.rule)


def fill(rule, site) -> tuple[str | None, str | None]:
    """The URL of a route with its arguments taken from the site's objects, or why it cannot be."""
    values = {}
    for name in sorted(rule.arguments):
        # The static segment before <name> says what it is: /zones/<code> is a zone's code.
        match = re.search(r"/([^/<]+)/<(?:[^>]*:)?%s>" % re.escape(name), rule.rule)
        segment = match.group(1) if match else None
        for key in ((name, segment), (name, None)):
            if key in site.values:
                values[name] = site.values[key]
                break
        else:
            if segment in site.missing:
                return None, f"skipped: no {segment} ({site.missing[segment]})"
            return None, f"cannot fill <{name}> (after /{segment}/): teach tests/browser/conftest.py"
    with site.app.test_request_context(base_url=site.url):
        from flask import url_for
        return url_for(rule.endpoint, **values, _external=True), None


def new_page(browser):
    """A fresh context (its own cookies) with one tab, at the phone width first."""
    context = browser.new_context(viewport=dict(zip(("width", "height"), WIDTHS["phone"])), locale="zh-CN")
    context.set_default_timeout(30_000)
    return context, context.new_page()


def sign_in(page, site, username: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(site.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    assert "/staff" in page.url, f"{username} was not signed in: {page.url}"


def check_page(page, name: str, shot: str, problems: list, *, nav: bool = True,
               full: bool = False) -> dict:
    """Layout checks on the loaded page at both widths (phone first); problems are appended as
    text. Returns the layout measured at the phone width."""
    measured = None
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        where = f"{name} at {w}px"
        layout = page.evaluate(LAYOUT_CHECK)
        measured = measured or layout
        page.screenshot(path=str(ARTIFACTS / f"{shot}-{width}.png"), full_page=full)
        if layout["scrollWidth"] > layout["innerWidth"]:
            problems.append(f"{where}: page is {layout['scrollWidth']}px wide")
        if layout["unwrapped"]:
            problems.append(f"{where}: {layout['unwrapped']} table(s) outside <div class=\"table-wrap\">")
        if layout["tall"]:
            problems.append(f"{where}: column headers wrap over several lines: {layout['tall']}")
        if nav:
            check_bar(page, where, width, f"{shot}-{width}" if shot.endswith(MENU_SHOT) else None, problems)
    return measured


def check_bar(page, where: str, width: str, shot: str | None, problems: list) -> None:
    """The top bar: folded on a phone (opened here), every item visible inside the blue band."""
    bar = page.evaluate(NAV_CHECK)
    if not bar["bar"]:
        problems.append(f"{where}: no header.bar")
        return
    if bar["h1top"] is not None and bar["h1top"] < bar["bottom"]:
        problems.append(f"{where}: the top bar covers the heading")
    toggle = page.locator("label.nav-button")
    folded = toggle.count() and toggle.is_visible()
    if width == "phone":
        if not folded:
            problems.append(f"{where}: the menu is not folded on a phone")
        else:
            if bar["height"] > 72:
                problems.append(f"{where}: the folded bar is {bar['height']:.0f}px tall")
            toggle.click()
            bar = page.evaluate(NAV_CHECK)
            if shot:
                page.screenshot(path=str(ARTIFACTS / f"{shot}-menu.png"))
    elif folded:
        problems.append(f"{where}: the menu is folded on a desktop")
    for item in bar["items"]:
        if not item["visible"]:
            problems.append(f"{where}: bar item {item['text']!r} is not visible")
        elif not item["inside"]:
            problems.append(f"{where}: bar item {item['text']!r} sticks out of the blue band")
    if folded:
        toggle.click()  # closed again, as the next page starts
        page.mouse.move(page.viewport_size["width"] - 2, page.viewport_size["height"] - 2)  # no hover


def visit(page, url: str):
    """Open a URL (at the phone width); the response, or None for a download."""
    from playwright.sync_api import Error
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS["phone"])))
    try:
        return page.goto(url, wait_until="load")
    except Error as exc:
        if "Download is starting" in str(exc):
            return None
        raise


def is_page(response) -> bool:
    """Whether the response is an HTML page (not a file, an image or JSON)."""
    return response is not None and response.headers.get("content-type", "").startswith("text/html")


@require_file(CHROMIUM, package="chromium")
@pytest.mark.parametrize("role", ROLES)
def test_staff_pages(site, browser, role, capsys):
    """Each staff page renders within the screen at both widths, with the bar intact; a role
    may be refused (403) a page that is not in its menu, never one that is."""
    ARTIFACTS.mkdir(exist_ok=True)
    context, page = new_page(browser)
    sign_in(page, site, ROLES[role])
    with site.app.app_context():
        from sqlalchemy import select

        from app.extensions import db
        from app.nav import items_for
        from app.organisation.models import User
        user = db.session.scalars(select(User).where(User.username == ROLES[role])).one()
        in_nav = {item.endpoint for item in items_for(site.app, user)}
        db.session.remove()
    problems, skipped, not_pages, forbidden, heights, timings = [], [], [], [], {}, {}
    for rule in page_routes(site.app, staff=True):
        url, why = fill(rule, site)
        if url is None:
            (skipped if why.startswith("skipped") else problems).append(f"{rule.endpoint} {rule.rule}: {why}")
            continue
        started = time.monotonic()
        response = visit(page, url)
        if not is_page(response):
            not_pages.append(rule.endpoint)
            continue
        name = f"{role} {rule.endpoint} {url.removeprefix(site.url)}"
        if response.status == 403 and role != "admin" and rule.endpoint not in in_nav:
            forbidden.append(rule.endpoint)  # not this role's page; the refusal page is checked too
        elif response.status >= 400:
            problems.append(f"{name}: HTTP {response.status}")
        # An error page (a refusal) is the plain public page, without the staff bar.
        layout = check_page(page, name, f"{role}-{rule.endpoint}", problems,
                            nav=response.status < 400, full=rule.endpoint in FULL_PAGE)
        heights[rule.endpoint] = layout["height"]
        timings[rule.endpoint] = time.monotonic() - started
    context.close()
    with capsys.disabled():
        print(f"\n[{role}] {len(heights)} pages; refused (403): {forbidden or '-'}; "
              f"not pages: {not_pages or '-'}; dashboard at 390px: {heights.get('staff.home')}px tall")
        slow = sorted(timings.items(), key=lambda kv: -kv[1])[:5]
        print("  slowest: " + ", ".join(f"{k} {v:.1f}s" for k, v in slow))
        for line in skipped:
            print(f"  SKIPPED {line}")
    assert not problems, "\n".join(problems)
    # The supervisor's dashboard was ~6,100 px tall on a phone (tables squeezed to a character
    # per line); folded lists and readable tables keep it short.
    assert heights["staff.home"] < 3000, heights["staff.home"]


@require_file(CHROMIUM, package="chromium")
def test_public_pages(site, browser):
    """Sign-in, privacy, the form, thanks, closed and unknown links: within the screen."""
    ARTIFACTS.mkdir(exist_ok=True)
    context, page = new_page(browser)
    problems, pages = [], []
    for rule in page_routes(site.app, staff=False):
        url, why = fill(rule, site)
        if url is None:
            problems.append(f"{rule.endpoint} {rule.rule}: {why}")
        else:
            pages.append((rule.endpoint, url, range(200, 400)))
    pages += [("closed", f"{site.url}/s/{site.closed_token}", (200, 410)),
              ("unknown", f"{site.url}/s/no-such-link-0000", (404,))]
    for endpoint, url, statuses in pages:
        response = visit(page, url)
        if not is_page(response):
            continue
        name = f"public {endpoint} {url.removeprefix(site.url)}"
        if response.status not in statuses:
            problems.append(f"{name}: HTTP {response.status}")
        check_page(page, name, f"public-{endpoint}", problems, nav=False, full=endpoint in FULL_PAGE)
    # Thanks: the real form filled in and sent.
    visit(page, f"{site.url}/s/{site.open_token}")
    with site.app.app_context():
        from app.extensions import db
        from app.launches.models import Launch
        answers = valid_answers(db.session.get(Launch, site.open_launch_id))
        db.session.remove()
    with page.expect_navigation():
        page.evaluate("""answers => {
          const form = document.querySelector('form[method=post]');
          for (const [name, value] of Object.entries(answers)) {
            const values = Array.isArray(value) ? value.map(String) : [String(value)];
            for (const input of form.querySelectorAll(`[name="${name}"]`)) {
              if (input.type === 'radio' || input.type === 'checkbox') input.checked = values.includes(input.value);
              else input.value = values[0];
            }
          }
          form.submit();
        }""", answers)
    if page.locator(".receipt").count() == 0:
        problems.append(f"public thanks: the filled-in form was not accepted ({page.url})")
    check_page(page, "public thanks", "public-thanks", problems, nav=False, full=True)
    context.close()
    assert not problems, "\n".join(problems)


def test_route_discovery_fills_or_names_every_page(site):
    """The discovery itself: known pages are found and filled; a route with an argument nobody
    taught the test is reported by name rather than silently left out."""
    staff = {rule.endpoint for rule in page_routes(site.app, staff=True)}
    public = {rule.endpoint for rule in page_routes(site.app, staff=False)}
    assert {"staff.home", "staff.school", "staff.zone", "staff.launch", "results.county"} <= staff
    assert {"auth.login", "respond.form", "respond.privacy"} <= public
    assert not {"static", "healthz", "staff.batch_posters", "results.bar_chart"} & (staff | public)
    from werkzeug.routing import Map, Rule
    stranger = Rule("/staff/widgets/<int:widget_id>", endpoint="widgets.detail")
    Map([stranger])  # bound, as a blueprint's route is: its arguments are known
    url, why = fill(stranger, site)
    assert url is None and "widget_id" in why and "widgets" in why
    school = next(r for r in site.app.url_map.iter_rules() if r.endpoint == "staff.school")
    zone = next(r for r in site.app.url_map.iter_rules() if r.endpoint == "staff.zone")
    assert fill(school, site)[0].endswith("/staff/schools/CG01")
    assert fill(zone, site)[0].endswith("/staff/zones/CG")


@require_file(CHROMIUM, package="chromium")
def test_menu_and_long_lists_fold_on_a_phone_without_javascript(site, browser):
    """With JavaScript off, the phone menu opens from its button and a long dashboard list shows
    its first rows with a "show all" switch; on a desktop both are simply shown."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, site, ROLES["admin"])   # the admin's dashboard lists every school's launches
    links = page.locator("header.bar .nav-links a")
    assert links.count() >= 3 and not links.first.is_visible()
    page.click("label.nav-button")
    assert all(links.nth(i).is_visible() for i in range(links.count()))
    rows = page.locator(".folded tr.fold-row").first.locator("xpath=ancestor::table//tr[td]")
    total = rows.count()
    shown = sum(rows.nth(i).is_visible() for i in range(total))
    assert total > 8 and shown == 8   # fold=8 for the open surveys
    page.locator("label.more-button").first.click()
    assert sum(rows.nth(i).is_visible() for i in range(total)) == total
    page.set_viewport_size({"width": 1366, "height": 900})
    page.reload()
    assert not page.locator("label.nav-button").is_visible() and links.first.is_visible()
    assert sum(rows.nth(i).is_visible() for i in range(total)) == total
    assert not page.locator("label.more-button").first.is_visible()
    context.close()
