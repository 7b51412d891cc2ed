#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (Playwright drives it; Playwright's own
# browser download is not used). Safe to run repeatedly.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing Debian's chromium for the browser tests …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
  exit 0
fi
echo "note: /usr/bin/chromium is missing and cannot be installed here (needs Debian and root);" >&2
echo "      the browser tests will be skipped. Install the 'chromium' package to run them." >&2
