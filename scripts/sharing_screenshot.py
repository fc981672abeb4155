"""The README screenshot of the sharing end, made from the bundled SIMULATED data (never from real customers).

    python scripts/sharing_screenshot.py [--dataset xiaomi_sim] [--out docs/images/sharing-profile.png]

Needs the SIMULATED dataset's knowledge base, ``data/processed/xiaomi_sim/knowledge.duckdb`` (``make report``
builds it; ``CRM_PROCESSED_DIR`` is followed), and Debian's ``chromium`` and ``chromium-driver``
(``scripts/system-deps.sh``; ``CRM_CHROMIUM`` names another Chromium binary). Refuses a knowledge base whose
``meta`` does not say it is simulated.

What it does: serves the sharing end (:func:`helpers.sharing.create_app` under waitress on a free 127.0.0.1 port,
in a thread) with a temporary account (a random password, in a temporary users file) and a temporary sharing
file, so neither the project's accounts nor its staff notes are touched; signs in with headless Chromium through
the sign-in form; opens the profile of :func:`helpers.knowledge.example_customer`; adds one SIMULATED example
note with code N-01; and saves the top of the profile (1280 px wide) as a PNG quantised to 256 colours
(Pillow, median cut), under 400 KB.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import waitress
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from helpers import store  # noqa: E402
from helpers.errors import DataError  # noqa: E402
from helpers.knowledge import example_customer, meta, open_knowledge_base  # noqa: E402
from helpers.sharing import Accounts, create_app  # noqa: E402

NOTE = "SIMULATED example note: asked about the Mi 3 battery, offer the battery-care guide"
CODE = "N-01"
WINDOW = (1280, 1500)  # CSS pixels of the browser window; the screenshot is its visible part
MAX_BYTES = 400_000
WAIT = 60  # seconds a page or figure may take


def chromium_driver() -> webdriver.Chrome:
    """Headless Debian Chromium through Debian's chromedriver (nothing downloaded)."""
    binary = os.environ.get("CRM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    for path, package in ((binary, "chromium"), (driver_path, "chromium-driver")):
        if not Path(path).exists():
            raise SystemExit(f"{path} not found: install Debian's {package} (scripts/system-deps.sh)")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                f"--window-size={WINDOW[0]},{WINDOW[1]}", "--lang=en-GB"):
        options.add_argument(arg)
    options.binary_location = binary
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(WAIT)
    return driver


def example_of(dataset: str) -> str:
    """The example customer of a SIMULATED knowledge base (refuses one that is not simulated)."""
    con = open_knowledge_base(dataset)
    try:
        if meta(con).get("simulated") != "true":
            raise DataError(f"the knowledge base of {dataset!r} is not SIMULATED data: the README screenshot is "
                            "made from simulated customers only", file=store.knowledge_path(dataset))
        return example_customer(con)
    finally:
        con.close()


def optimised_png(png: bytes) -> bytes:
    """The screenshot quantised to 256 colours (median cut, no dithering) and saved with ``optimize``."""
    with Image.open(io.BytesIO(png)) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def screenshot(dataset: str, out: Path) -> Path:
    cid = example_of(dataset)
    with tempfile.TemporaryDirectory(prefix="crm-screenshot-") as tmp:
        users, name, password = Path(tmp) / "users.sqlite", "demo", secrets.token_urlsafe(18)
        Accounts(users).add(name, password, "sales")
        app = create_app(dataset, users, sharing_path=Path(tmp) / "sharing.sqlite")
        server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4, ident="crm-knowledge-screenshot")
        url = f"http://127.0.0.1:{server.effective_port}"
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        driver = chromium_driver()
        try:
            wait = WebDriverWait(driver, WAIT)
            driver.get(f"{url}/sign-in")
            form = driver.find_element(By.ID, "sign-in")
            form.find_element(By.NAME, "name").send_keys(name)
            form.find_element(By.NAME, "password").send_keys(password)
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait.until(lambda d: d.current_url.endswith("/customers"), "the sign-in did not reach /customers")
            driver.get(f"{url}/customers/{cid}")
            form = driver.find_element(By.ID, "note-form")
            form.find_element(By.NAME, "text").send_keys(NOTE)
            Select(form.find_element(By.NAME, "code")).select_by_value(CODE)
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait.until(lambda d: d.current_url.endswith("#notes"), "the note was not saved")
            driver.get(f"{url}/customers/{cid}")  # the top of the profile, the note now in its Staff notes
            img = driver.find_element(By.CSS_SELECTOR, "#profile img.figure")
            wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img),
                       "the purchase-history figure did not load")
            png = optimised_png(driver.get_screenshot_as_png())
        finally:
            driver.quit()
            server.close()
            thread.join(timeout=10)
    if len(png) >= MAX_BYTES:
        raise SystemExit(f"the screenshot is {len(png):,} bytes, over {MAX_BYTES:,}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png)
    print(f"{out}: profile of SIMULATED customer {cid} ({dataset}), {len(png):,} bytes")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="xiaomi_sim")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "sharing-profile.png")
    args = parser.parse_args(argv)
    try:
        screenshot(args.dataset, args.out)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
