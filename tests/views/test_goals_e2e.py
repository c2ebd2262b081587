"""The Goals page end to end in a real browser (Debian's chromium via Playwright) against the real server:
a vague hope becomes a checked goal with steps, and the plan downloads as Markdown and as an .ics file
that the icalendar library reads back with its dates."""

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.views.test_e2e import (CHROMIUM, CHROMIUM_ARGS, STEP_TIMEOUT_MS, _click_until_visible, _free_port,
                                  _wait_idle, _wait_until_healthy)

pytestmark = pytest.mark.e2e


@pytest.fixture
def goal_server(tmp_path, goal_template, repo_root):
    if not CHROMIUM.exists():
        pytest.fail("needs Debian's chromium at /usr/bin/chromium; enable with `apt-get install chromium` "
                    "(`make test` does, through scripts/test-deps)")
    for name in ("knowledge", "index"):
        shutil.copytree(goal_template / name, tmp_path / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTOR_")}
    env.update(MENTOR_KNOWLEDGE_DIR=str(tmp_path / "knowledge"), MENTOR_INDEX_DIR=str(tmp_path / "index"),
               MENTOR_DATA_DIR=str(tmp_path / "data"), HF_HUB_OFFLINE="1")
    port = _free_port()
    url = f"http://localhost:{port}"
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(repo_root / "app.py"), "--server.port", str(port),
             "--server.address", "localhost", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=repo_root, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_until_healthy(url, proc, log)
            yield url, log
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def test_vague_hope_to_a_plan_file_in_a_browser(goal_server, repo_root):
    from playwright.sync_api import expect, sync_playwright

    url, log = goal_server
    today = dt.date.today()
    artifacts = repo_root / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        page = None
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2400}, accept_downloads=True)
            page.set_default_timeout(STEP_TIMEOUT_MS)
            expect.set_options(timeout=STEP_TIMEOUT_MS)
            page.goto(f"{url}/goals")
            expect(page.get_by_text("Nothing of your goals or plan is stored on Mentor's server")).to_be_visible()

            # 1. A vague aspiration, in the person's own words.
            page.get_by_label("What would you like to change or achieve?").fill("I want to be better at presenting")
            _click_until_visible(page, page.get_by_role("button", name="Turn it into a goal"),
                                 page.get_by_text("By when? For example"))
            expect(page.get_by_text("Setting SMART goals with your mentor › What SMART stands for").first).to_be_visible()

            # 2-3. Revise what and how much; the deadline is still missing, and the page prompts for it.
            draft = page.get_by_label("Draft goal")
            draft.fill("Give a ten-minute update at the monthly all-hands and collect written comments from at "
                       "least three listeners")
            draft.press("Control+Enter")
            _wait_idle(page)
            expect(page.get_by_text("By when? For example")).to_be_visible()
            _click_until_visible(page, page.get_by_role("button", name="Add this deadline"),
                                 page.get_by_text("this goal is ready"))
            deadline = today + dt.timedelta(days=90)
            expect(draft).to_have_value(f"Give a ten-minute update at the monthly all-hands and collect written "
                                        f"comments from at least three listeners by {deadline:%d %B %Y}")

            # 4-5. Keep the goal, then add two steps (each with its date).
            _click_until_visible(page, page.get_by_role("button", name="Add this goal"), page.get_by_label("Step 1"))
            for n, text in enumerate(("Draft the outline and share it with my mentor", "Rehearse with my mentor"), start=1):
                box = page.get_by_label(f"Step {n}", exact=True)
                box.fill(text)
                box.press("Enter")
                _wait_idle(page)
                _click_until_visible(page, page.get_by_role("button", name="Add step"), page.get_by_text(text))
            page.get_by_label("How you will know").fill("Three listeners send written comments")
            page.get_by_label("How you will know").press("Control+Enter")
            _wait_idle(page)
            expect(page.get_by_text("Your mentoring plan")).to_be_visible()
            page.screenshot(path=str(artifacts / "goals-plan.png"))

            # 6. Take the plan away: Markdown and iCalendar.
            _wait_idle(page)
            with page.expect_download() as md_download:
                page.get_by_role("button", name="Markdown").click()
            md = Path(md_download.value.path()).read_text()
            assert f"## Goal 1: Give a ten\\-minute update" in md or "## Goal 1: Give a ten-minute update" in md
            assert "Draft the outline and share it with my mentor" in md and "## Sources" in md
            assert "Three listeners send written comments" in md
            with page.expect_download() as ics_download:
                page.get_by_role("button", name="Calendar (.ics)").click()
            assert ics_download.value.suggested_filename.endswith(".ics")
            cal = Calendar.from_ical(Path(ics_download.value.path()).read_bytes())
            events = {str(e["summary"]): e.decoded("dtstart") for e in cal.walk("VEVENT")}
            first = today + dt.timedelta(days=7)  # the page's default first meeting
            assert events["Mentoring meeting 1: First meeting: getting started"] == first
            assert events["Mentoring meeting 3: Third meeting: first review"] == first + dt.timedelta(days=28)
            assert events["Goal 1 step: Draft the outline and share it with my mentor"] == today + dt.timedelta(days=14)
            assert "Goal 1 step: Rehearse with my mentor" in events
            assert sum(1 for s in events if s == "Mentoring plan review") == 1  # one summary, three dates
            assert len(list(cal.walk("VEVENT"))) == 3 + 2 + 3
        except Exception:
            if page is not None:
                page.screenshot(path=str(artifacts / "goals-failure.png"))
            print(f"server log (tail):\n{log.read_text()[-3000:]}")
            raise
        finally:
            browser.close()
