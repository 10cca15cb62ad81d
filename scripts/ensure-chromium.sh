#!/usr/bin/env bash
# Make sure Debian's chromium is there for the browser tests, with a Chinese font so the
# screenshots of a Chinese-first UI are readable. Never downloads a browser build of its
# own: it is Debian's packages or nothing.
set -euo pipefail
packages=()
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  packages+=(chromium)
fi
if ! { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; }; then
  packages+=(fonts-wqy-zenhei)
fi
[ ${#packages[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's ${packages[*]} for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
elif [[ " ${packages[*]} " == *" chromium "* ]]; then
  echo "chromium is not installed and cannot be installed here: browser tests will be skipped" \
       "(install it with: apt-get install chromium)" >&2
else
  echo "no Chinese font: screenshots will show boxes (install one with: apt-get install fonts-wqy-zenhei)" >&2
fi
