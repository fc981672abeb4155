"""The sharing end in a real browser: Debian's Chromium, headless, driven by Selenium through Debian's
``chromedriver`` (``/usr/bin/chromedriver``; never a browser or driver downloaded at run time, so no Selenium
Manager). A member of sales staff signs in, searches, opens a profile (its figure loads), adds a note holding a
script-injection string, sees it shown as text, and is refused the audit page; the language switch shows the
Chinese headings; an admin sees the view and the write in the audit trail. Screenshots of the search results
and of the profile are saved and read back as PNGs.

The world is a small SIMULATED one (:func:`tests.kbworld.build_world`) served by waitress on a free local port
(:class:`tests.webserver.LiveServer`). ``CRM_CHROMIUM`` names another Chromium binary.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from helpers import knowledge as kn
from helpers import paths
from helpers.knowledge import SharingStore
from tests.kbworld import DATASET, build_world
from tests.webserver import PASSWORDS, LiveServer, sharing_app

CHROMIUM = os.environ.get("CRM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
NEEDS_CHROMIUM = pytest.mark.skipif(
    os.environ.get("CI") != "true" and not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="Chromium or chromium-driver not installed (make test installs them as root); in CI this never skips",
)
pytestmark = NEEDS_CHROMIUM

WAIT = 30  # seconds a page or figure may take on a busy 2-core machine
SEGMENT = "champions"
ABC = "A"
NOTE = "<script>window.__pwned=1</script> Asked about the Mi 3 battery; offer the battery-care guide."
CODE = "N-01"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A SIMULATED world's sharing end served by waitress, and how many customers the search below must find
    (counted straight from the knowledge base, not through the search code)."""
    tmp = tmp_path_factory.mktemp("browser")
    world = build_world(tmp, customers_n=700, seed=18)
    con = kn.open_knowledge_base(DATASET, world["path"])
    try:
        expected = con.execute("SELECT count(*) FROM customer_profile WHERE rfm_segment = ? AND abc_class = ?",
                               [SEGMENT, ABC]).fetchone()[0]
    finally:
        con.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "PROCESSED", tmp)
        mp.setenv("CRM_PROCESSED_DIR", str(tmp))
        server = LiveServer(sharing_app(DATASET, tmp / "users.sqlite")).start()
        try:
            yield {"url": server.url, "world": world, "expected": int(expected), "tmp": tmp,
                   "sharing": SharingStore(tmp / DATASET / "sharing.sqlite")}
        finally:
            server.stop()


@pytest.fixture(scope="module")
def driver():
    """One headless Chromium for the module (Debian's binary and driver, given explicitly)."""
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1600", "--lang=en-GB"):
        options.add_argument(arg)
    options.binary_location = CHROMIUM
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    d.set_page_load_timeout(WAIT)
    try:
        yield d
    finally:
        d.quit()


def _wait(driver, condition, message: str):
    """Wait for ``condition``; an element replaced by the page loading meanwhile (stale) is looked up again."""
    return WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(condition, message)


def sign_in(driver, url: str, name: str) -> None:
    """Sign in as ``name`` through the sign-in form (cookies of an earlier user dropped first)."""
    driver.get(f"{url}/sign-in")
    driver.delete_all_cookies()
    driver.get(f"{url}/sign-in")
    form = driver.find_element(By.ID, "sign-in")
    form.find_element(By.NAME, "name").send_keys(name)
    form.find_element(By.NAME, "password").send_keys(PASSWORDS[name])
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(driver, lambda d: urlpath(d) == "/customers", f"{name} did not land on /customers")


def urlpath(driver) -> str:
    return re.sub(r"^https?://[^/]+", "", driver.current_url).split("?")[0].split("#")[0]


def h2_texts(driver) -> list[str]:
    return [h.text for h in driver.find_elements(By.CSS_SELECTOR, "#profile h2")]


_SECTION_JS = """
const h = [...document.querySelectorAll('#profile h2')].find(e => e.textContent.includes(arguments[0]));
if (!h) return null;
let out = '', e = h.nextElementSibling;
while (e && e.tagName !== 'H2' && e.tagName !== 'SECTION') { out += e.textContent + '\\n'; e = e.nextElementSibling; }
return out;
"""


def section_text(driver, heading: str) -> str | None:
    """The text of the profile section under the ``<h2>`` containing ``heading`` (up to the next one)."""
    return driver.execute_script(_SECTION_JS, heading)


def search(driver) -> None:
    """Fill the search form (a segment and an ABC class from their selects) and submit it."""
    form = driver.find_element(By.ID, "search")
    Select(form.find_element(By.NAME, "segment")).select_by_value(SEGMENT)
    Select(form.find_element(By.NAME, "abc")).select_by_value(ABC)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(driver, lambda d: f"segment={SEGMENT}" in d.current_url, "the search did not submit")


def open_first_result(driver) -> str:
    """Follow the first customer link of the results; returns the customer id."""
    link = driver.find_elements(By.CSS_SELECTOR, "table.results a.customer")[0]
    cid = link.text.strip()
    link.click()
    _wait(driver, lambda d: urlpath(d) == f"/customers/{cid}", "the customer link did not open the profile")
    return cid


def assert_real_png(path: Path) -> tuple[int, int, int]:
    """A screenshot that is a real PNG of a page: ≥ 1000 px wide, many colours, not blank. Returns
    ``(width, height, colours)``."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    with Image.open(path) as im:
        im.load()
        rgb = np.asarray(im.convert("RGB"))
    h, w = rgb.shape[:2]
    colours = len(np.unique(rgb.reshape(-1, 3), axis=0))
    assert w >= 1000 and h >= 600, (w, h)
    assert colours > 32, f"{path.name}: only {colours} colours — a blank page?"
    non_white = (rgb < 240).any(axis=2).mean()
    assert 0.01 < non_white < 0.9, f"{path.name}: {non_white:.1%} of the pixels are not white"
    return w, h, colours


def test_sales_signs_in_searches_opens_a_profile_and_adds_a_note(site, driver, capsys):
    url, tmp = site["url"], site["tmp"]
    sign_in(driver, url, "sales")
    assert driver.find_element(By.CSS_SELECTOR, "header .who").text == "sales · sales"

    search(driver)
    rows = driver.find_elements(By.CSS_SELECTOR, "table.results tbody tr")
    expected = site["expected"]
    assert len(rows) == min(25, expected) and expected > 0, (len(rows), expected)
    pager = driver.find_element(By.CSS_SELECTOR, "p.pager").text
    assert re.search(rf"1–{min(25, expected)} of {expected:,}\b", pager), pager
    assert f"page 1 of {-(-expected // 25)}" in pager, pager
    segments = {r.find_elements(By.TAG_NAME, "td")[2].text for r in rows}
    assert segments == {SEGMENT}, segments
    page = driver.page_source
    assert not [n for n in site["world"]["raw"]["name"] if n in page], "a raw name on the results page"
    results_png = tmp / "search-results.png"
    assert driver.save_screenshot(str(results_png))
    results_shape = assert_real_png(results_png)

    cid = open_first_result(driver)
    headings = h2_texts(driver)
    for part in ("Profile", "Purchase history", "Value", "Recommended action", "Staff notes"):
        assert any(part in h for h in headings), (part, headings)
    assert "No staff notes yet" in section_text(driver, "Staff notes")
    img = driver.find_element(By.CSS_SELECTOR, "#profile img.figure")
    assert "/figures/" in img.get_attribute("src")
    width = _wait(driver, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth",
                                                     img), "the purchase-history figure did not load")
    assert width > 100, width

    form = driver.find_element(By.ID, "note-form")
    form.find_element(By.NAME, "text").send_keys(NOTE)
    Select(form.find_element(By.NAME, "code")).select_by_value(CODE)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait(driver, lambda d: d.current_url.endswith(f"/customers/{cid}#notes"), "no redirect to the profile's notes")

    notes = section_text(driver, "Staff notes")
    assert NOTE in notes and CODE in notes and "sales" in notes, notes
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert not driver.execute_script("return [...document.scripts].some(s => s.textContent.includes('__pwned'))")
    profile_png = tmp / "profile-after-note.png"
    assert driver.save_screenshot(str(profile_png))
    profile_shape = assert_real_png(profile_png)

    stored = site["sharing"].notes(cid)
    assert list(stored[["author", "role", "code", "text"]].itertuples(index=False, name=None)) == [
        ("sales", "sales", CODE, NOTE.strip())]
    audit, _ = site["sharing"].audit(limit=500, user="sales")
    views = audit[(audit["action"] == "view_profile") & (audit["customer_id"] == cid)]
    writes = audit[(audit["action"] == "add_note") & (audit["customer_id"] == cid)]
    assert len(views) == 2 and len(writes) == 1, audit  # before and after the note
    assert f"code {CODE}" in writes["detail"].iloc[0] and set(audit["role"]) == {"sales"}

    # an admin sees the same view and write in the audit trail page
    sign_in(driver, url, "admin")
    driver.get(f"{url}/admin/audit?user=sales&action=add_note")
    table = driver.find_element(By.CSS_SELECTOR, "main table").text
    assert cid in table and "add_note" in table and f"code {CODE}" in table, table
    driver.get(f"{url}/admin/audit?user=sales&action=view_profile")
    assert cid in driver.find_element(By.CSS_SELECTOR, "main table").text

    with capsys.disabled():
        print(f"\n[browser] {len(rows)} result rows ('{pager.split('page')[0].strip()}'), customer {cid}, "
              f"figure {width} px wide, {len(headings)} sections; screenshots {results_png.name} "
              f"{results_shape[0]}×{results_shape[1]} ({results_png.stat().st_size:,} B, {results_shape[2]:,} "
              f"colours), {profile_png.name} {profile_shape[0]}×{profile_shape[1]} "
              f"({profile_png.stat().st_size:,} B, {profile_shape[2]:,} colours)")


def test_language_switch_shows_the_chinese_headings(site, driver):
    url = site["url"]
    sign_in(driver, url, "sales")
    search(driver)
    cid = open_first_result(driver)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    driver.find_element(By.CSS_SELECTOR, "header button[value=zh]").click()
    _wait(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN",
          "the language switch did not change the page")
    assert urlpath(driver) == f"/customers/{cid}", "the switch should come back to the same page"
    headings = h2_texts(driver)
    for part in ("客户概况", "购买历史", "建议行动", "员工笔记"):
        assert any(part in h for h in headings), (part, headings)
    assert not any("Profile" in h or "Staff notes" in h for h in headings), headings
    assert driver.find_element(By.CSS_SELECTOR, "header button[value=zh]").get_attribute("disabled")
    driver.find_element(By.CSS_SELECTOR, "header button[value=en]").click()
    _wait(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "back to English")
    assert any("Staff notes" in h for h in h2_texts(driver))


def test_sales_sees_the_segments_table_and_is_refused_the_audit_page(site, driver):
    url = site["url"]
    sign_in(driver, url, "sales")
    driver.find_element(By.CSS_SELECTOR, "header nav a[href$='/segments']").click()
    _wait(driver, lambda d: urlpath(d) == "/segments", "the Segments link did not open the page")
    cells = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "main table.crm-table tbody td")]
    assert SEGMENT in cells, cells[:20]  # a table, not its HTML shown as text
    assert "<table" not in driver.find_element(By.TAG_NAME, "main").text
    assert not driver.find_elements(By.CSS_SELECTOR, "header nav a[href$='/admin/audit']")
    driver.get(f"{url}/admin/audit")
    assert driver.find_element(By.TAG_NAME, "h1").text == "403"
    assert "Your role does not allow this page." in driver.find_element(By.CSS_SELECTOR, "main .error").text
    assert not driver.find_elements(By.CSS_SELECTOR, "main table"), "the refused page shows no audit rows"
