"""The course website in a real browser (Debian's Chromium through Playwright).

Builds the site from the stored notebooks (``website/build.py``, what ``make site`` runs) into a
temporary folder, opens every page from disk, and checks that each page loads with no broken
image and no request leaving the machine, that the index links every lesson in 00-index's order,
that exercises say checking needs a kernel, and that an animation advances when played. The API
reference (``api/``) is opened too, and its links to and from the lessons are followed.

Set ``REGSIM_SITE_SHOTS=/some/folder`` to keep a screenshot of every page (that is how the pages
were looked at). Without Chromium the test is skipped with the command that installs it; with
``CI=true`` a missing browser is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

from helpers import CHROMIUM_ARGS, chromium_or_skip

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 30_000


def _builder():
    spec = importlib.util.spec_from_file_location("regsim_site_build", ROOT / "website" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    builder = _builder()
    out = tmp_path_factory.mktemp("site")
    pages = builder.build(ROOT / "notebooks", out)
    return builder, out, pages


def test_every_notebook_has_a_page_and_the_index_follows_00_index(site):
    builder, out, pages = site
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in pages) == sorted([builder.page_name(n) for n in notebooks] + ["instructor-guide.html"])
    index = (out / "index.html").read_text(encoding="utf-8")
    linked = re.findall(r'href="([\w.-]+)\.html"', index)
    lessons = [n for n in notebooks if re.match(r"0[1-8]-", n)]
    assert [n for n in dict.fromkeys(linked) if n in lessons] == lessons  # the lessons, in order
    assert not re.search(r'href="[^"]*\.ipynb', index)  # every notebook link points at its page


def test_the_api_reference_has_its_pages_and_links_both_ways_with_the_lessons(site):
    _, out, _ = site
    api = out / "api"
    for part in ("core", "viz", "sim", "server", "engines", "io", "cli"):
        assert (api / f"{part}.html").is_file(), f"no API page {part}.html"
    core = (api / "core.html").read_text(encoding="utf-8")
    assert 'id="regsim.registry.Registry"' in core
    assert "Used in lessons" in core and 'href="../01-what-is-a-registry.html"' in core
    assert "regsim serve" in (api / "cli.html").read_text(encoding="utf-8")
    lesson = (out / "03-build-push-pull.html").read_text(encoding="utf-8")
    links = re.findall(r'href="api/(\w+\.html)#([\w.]+)"', lesson)
    assert links, "lesson 3 links to no API entry"
    for page, anchor in links:  # every link lands on an entry that exists
        assert f'id="{anchor}"' in (api / page).read_text(encoding="utf-8"), f"{page}#{anchor}"


def test_pages_fetch_nothing_from_the_internet(site):
    _, out, pages = site
    for page in pages + sorted((out / "api").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|img|link)[^>]+(src|href)="(https?:)?//', text), page.name


def test_exercises_say_that_checking_needs_a_kernel(site):
    _, out, _ = site
    text = (out / "03-build-push-pull.html").read_text(encoding="utf-8")
    assert text.count("checking an answer needs a running") == 4
    assert "check(&quot;3.1&quot;" in text or 'check("3.1"' in text or "3.1" in text


def test_every_page_loads_with_no_broken_image_and_an_animation_plays(site):
    from playwright.sync_api import sync_playwright

    _, out, pages = site
    chromium = chromium_or_skip()
    shots = os.environ.get("REGSIM_SITE_SHOTS")
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            for target in pages + [out / "api" / f"{n}.html" for n in ("index", "core", "sim", "cli")]:
                page.goto(target.as_uri(), wait_until="load")
                images = page.evaluate("""() => Array.from(document.images).map(
                    img => [img.complete && img.naturalWidth > 0, img.alt || img.src.slice(0, 60)])""")
                broken = [name for ok, name in images if not ok]
                assert not broken, f"{target.name}: broken images {broken[:3]}"
                if target.name.startswith(("01-", "03-", "views-gallery")):
                    assert len(images) >= 2, target.name  # the pictures are there
                if shots:
                    Path(shots).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(Path(shots) / f"{target.stem}.png"), full_page=False)
            assert not errors, errors

            # lesson 4's animation: one frame shown, play advances it
            page.goto((out / "04-tags-as-versions.html").as_uri(), wait_until="load")
            player = page.locator(".regsim-animation").first
            player.scroll_into_view_if_needed()
            frames = player.locator(".regsim-frame")
            assert frames.count() > 2
            visible = player.evaluate("el => Array.from(el.querySelectorAll('.regsim-frame'))"
                                      ".filter(f => f.style.display !== 'none').length")
            assert visible == 1
            assert player.get_attribute("data-step") == "0"
            player.locator(".regsim-play").click()
            page.wait_for_function("el => +el.dataset.step >= 2", arg=player.element_handle())
            shown = player.evaluate("el => Array.from(el.querySelectorAll('.regsim-frame'))"
                                    ".findIndex(f => f.style.display !== 'none')")
            assert shown >= 2
            assert player.locator(".regsim-frame").nth(shown).locator("img").evaluate("img => img.naturalWidth") > 0
            player.locator(".regsim-next").click()  # stepping by hand stops the play and moves one on
            if shots:
                player.screenshot(path=str(Path(shots) / "animation-playing.png"))
        finally:
            browser.close()
    assert not outside, outside[:5]
