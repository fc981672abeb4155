#!/usr/bin/env bash
# Debian packages the PDF reports need: headless Chromium (HTML → PDF), CJK fonts (Chinese in
# figures and documents), MathJax (formulas, offline) and poppler-utils (reading PDFs back in tests),
# a Java runtime for the Spark path of the per-customer summary (tests/test_engines.py), and
# Chromium's driver for the browser tests (tests/test_sharing_browser.py, tests/test_lab_browser.py, Selenium),
# and npm, which fetches reveal.js for the slides (make slides, tests/test_slides.py) from the npm registry.
# Installs them when run as root and something is missing; otherwise prints the exact command.
set -euo pipefail
PACKAGES="chromium chromium-driver fonts-noto-cjk libjs-mathjax poppler-utils openjdk-17-jre-headless npm"
missing=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "${CRM_CHROMIUM:-}" ] || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
[ -f /usr/share/javascript/mathjax/MathJax.js ] || missing+=(libjs-mathjax)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages for PDF reports: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "PDF reports need these Debian packages: ${missing[*]}" >&2
echo "Install them with:" >&2
echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $PACKAGES" >&2
exit 1
