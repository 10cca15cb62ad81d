#!/usr/bin/env bash
# The reverse-proxy test (tests/integration/test_nginx_sample.py) runs deploy/nginx.conf in a
# real nginx. When none is installed, Debian's package is unpacked into .nginx: the
# binary only (dpkg -x runs no install script), so no service starts and nothing outside the
# checkout changes. apt-get only downloads it; its package lists are refreshed when root.
set -euo pipefail
cd "$(dirname "$0")/.."
target=.nginx
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || [ -x "$target/usr/sbin/nginx" ]; then
  exit 0
fi
if ! command -v openssl >/dev/null 2>&1; then
  echo "openssl is missing: the reverse-proxy test needs it for its certificate (apt-get install openssl)" >&2
fi
if command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  [ "$(id -u)" = 0 ] && apt-get update -qq || true
  # Debian 12 ships the binary in nginx-light (nginx itself depends on a flavour); later
  # releases in nginx
  for package in nginx-light nginx; do
    rm -f "$work"/*.deb
    (cd "$work" && apt-get download -qq "$package" >/dev/null 2>&1) || continue
    rm -rf "$target" && mkdir -p "$target"
    if dpkg -x "$work"/*.deb "$target" && "$target/usr/sbin/nginx" -v >/dev/null 2>&1; then
      echo "unpacked Debian's $package into $target for the reverse-proxy test"
      exit 0
    fi
  done
  rm -rf "$target"
fi
echo "nginx is not installed and could not be unpacked here: the reverse-proxy test will be skipped" \
     "(install it with: apt-get install nginx-light)" >&2
