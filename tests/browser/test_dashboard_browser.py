"""The instructor's web dashboard in a real browser: Debian's Chromium through Playwright.

A classroom is served in-process with an instructor; Chromium logs in as the instructor and opens
``/-/dashboard``. A participant's push must appear within seconds, naming them, a push into
another's namespace must appear as refused with its reason, and the graph must be an SVG drawn by
regsim's views. The page may load nothing from anywhere else (it works offline).

Without Chromium the test is skipped with the command that installs it; with ``CI=true`` a
missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request

import pytest
from helpers import CHROMIUM_ARGS, chromium_or_skip

from regsim import Image, Layer
from regsim.server.classroom import Classroom, Participant
from regsim.engines.clients import SimpleClient

pytestmark = pytest.mark.browser

#: a participant's push must show within this (the page polls once a second)
SECONDS = 10_000


def test_a_push_and_a_refusal_appear_live_on_the_instructors_dashboard(tmp_path):
    chromium = chromium_or_skip()
    from playwright.sync_api import expect, sync_playwright

    image = Image.create([Layer.from_files([("/etc/hello", b"hello")]), Layer.from_files([("/app", b"app")])])
    people = [Participant("alice", "pw-a"), Participant("bob", "pw-b")]
    with Classroom(people, instructor=Participant("teacher", "pw-t")) as room:
        server = room.serve()
        page_url = f"{server.url}/-/dashboard"
        with pytest.raises(urllib.error.HTTPError) as refused:   # the instructor's only
            urllib.request.urlopen(page_url)
        assert refused.value.code == 401 and "Basic" in refused.value.headers["WWW-Authenticate"]

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(http_credentials={"username": "teacher", "password": "pw-t"},
                                              viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                requested: list[str] = []
                page.on("request", lambda request: requested.append(request.url))
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(page_url)
                expect(page.locator("#totals")).to_contain_text("0 of 2 participants have pushed", timeout=SECONDS)
                # the registry is called by the address the room uses, not by the model's default name
                expect(page.locator("#registry")).to_have_text(server.address)

                SimpleClient(server.url, username="alice", password="pw-a").push("team/app", "1.0", image)
                pushed = page.locator("#lines tr", has=page.locator("td.who", has_text="alice")).filter(
                    has_text="tag team/app:1.0")
                expect(pushed).to_have_count(1, timeout=SECONDS)
                expect(page.locator("#people tr[data-name=alice]")).to_contain_text("team/app:1.0")
                expect(page.locator("#totals")).to_contain_text("1 of 2 participants have pushed")

                with pytest.raises(RuntimeError, match="HTTP 403"):
                    SimpleClient(server.url, username="alice", password="pw-a").push("bob/app", "1.0", image)
                refusal = page.locator("#lines tr.refused")
                expect(refusal).to_have_count(1, timeout=SECONDS)   # the push's blob probe is not a second one
                expect(refusal.locator("td.what")).to_have_text(re.compile(
                    r"^push to bob/app \(denied: alice may not push " + re.escape(server.address) + "/bob/app"))
                expect(refusal.locator("td.who")).to_have_text("alice")
                expect(refusal).to_contain_text("denied: alice may not push")
                # shown as refused in words, not by colour alone
                assert refusal.locator("td.what").evaluate(
                    "cell => getComputedStyle(cell, '::before').content") == '"REFUSED "'

                graph = page.locator("#graph-img")
                expect(graph).to_have_attribute("src", "/-/dashboard/graph.svg?v=" + str(room.registry.events.mark()),
                                                timeout=SECONDS)
                page.wait_for_function("document.getElementById('graph-img').naturalWidth > 100", timeout=SECONDS)
                page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
                if os.environ.get("REGSIM_SCREENSHOTS"):
                    page.screenshot(path=os.environ["REGSIM_SCREENSHOTS"], full_page=True)
            finally:
                browser.close()
        assert errors == []
        outside = [url for url in requested if not url.startswith(server.url + "/")]
        assert outside == []
        with urllib.request.urlopen(urllib.request.Request(
                f"{server.url}/-/dashboard/graph.svg",
                headers={"Authorization": "Basic dGVhY2hlcjpwdy10"})) as reply:  # teacher:pw-t
            svg = reply.read()
        assert reply.headers["Content-Type"] == "image/svg+xml" and svg.lstrip().startswith(b"<?xml")
        assert b"team/app" in svg  # matplotlib writes each label's text beside its glyphs
        assert server.address.encode() in svg and b"localhost:5000" not in svg
