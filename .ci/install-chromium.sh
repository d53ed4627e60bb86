#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver (for crates/web/tests/browser.rs) when either is
# missing: /usr/bin/chromium and /usr/bin/chromedriver. Uses sudo only when not root.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  echo "chromium and chromedriver already installed" >&2
else
  echo "installing chromium and chromium-driver from Debian's packages" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >&2
fi
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium is missing after the install" >&2; exit 1; }
[ -x /usr/bin/chromedriver ] || { echo "/usr/bin/chromedriver is missing after the install" >&2; exit 1; }
/usr/bin/chromium --version >&2
/usr/bin/chromedriver --version >&2
