#!/bin/sh
# Removes pathaudit. Keeps the data (store, signing key in /var/lib/pathaudit),
# the config and the API token unless --purge is given: a reinstall then picks
# up the same evidence chain and key.
#
#   sudo scripts/uninstall.sh [--purge]
#   scripts/uninstall.sh --prefix /tmp/root [--purge]   (or DESTDIR=…)
set -eu

PREFIX=${DESTDIR:-}
PURGE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "uninstall.sh: --prefix needs a folder" >&2; exit 2; }; PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#--prefix=}; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
STAGED=0
[ -z "$PREFIX" ] || STAGED=1
if [ "$STAGED" -eq 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "uninstall.sh: run as root (or use --prefix DIR)" >&2; exit 2; }
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now pathaudit.service 2>/dev/null || true
  fi
fi

rm -f "$PREFIX/etc/systemd/system/pathaudit.service" "$PREFIX/usr/local/bin/pathaudit"
rm -rf "$PREFIX/opt/pathaudit"
echo "uninstall.sh: removed the build, the unit and the CLI wrapper"

if [ "$PURGE" -eq 1 ]; then
  rm -rf "$PREFIX/etc/pathaudit" "$PREFIX/var/lib/pathaudit"
  if [ "$STAGED" -eq 0 ] && getent passwd pathaudit >/dev/null; then userdel pathaudit 2>/dev/null || true; fi
  if [ "$STAGED" -eq 0 ] && getent group pathaudit >/dev/null; then groupdel pathaudit 2>/dev/null || true; fi
  echo "uninstall.sh: purged config, API token, store and signing key"
else
  echo "uninstall.sh: kept $PREFIX/etc/pathaudit and $PREFIX/var/lib/pathaudit (pass --purge to delete them)"
fi
if [ "$STAGED" -eq 0 ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
