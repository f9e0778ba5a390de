#!/bin/sh
# Installs pathaudit on a gateway (Debian / Raspberry Pi OS), idempotently:
# running it again changes nothing that is already in place, and never
# overwrites the operator's config, environment file or API token.
#
#   sudo scripts/install.sh                 # the real thing: user, files, unit
#   scripts/install.sh --prefix /tmp/root   # into a staging root (tests, packaging):
#                                           #   no user, no chown, no systemctl
#   DESTDIR=/tmp/root scripts/install.sh    # same as --prefix
#   --skip-deps                             # do not copy production node_modules
#
# Layout (under the prefix):
#   /opt/pathaudit/                 the build (dist/, package.json, node_modules/)   root 0755
#   /usr/local/bin/pathaudit        CLI wrapper                                       root 0755
#   /etc/systemd/system/pathaudit.service                                             root 0644
#   /etc/pathaudit/                 config.yaml, pathaudit.env                        root:pathaudit 0750, files 0640
#   /etc/pathaudit/secrets/api-token  generated API token                             root:pathaudit 0640 in 0750
#   /var/lib/pathaudit/             store + signing key (the only writable path)      pathaudit:pathaudit 0750
set -eu

SRC=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
PREFIX=${DESTDIR:-}
SKIP_DEPS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }; PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#--prefix=}; shift ;;
    --skip-deps) SKIP_DEPS=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$PREFIX" ]; then
  mkdir -p "$PREFIX"
  PREFIX=$(CDPATH= cd -- "$PREFIX" && pwd)
  STAGED=1
else
  STAGED=0
  [ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (or use --prefix DIR to stage)" >&2; exit 2; }
fi
[ -f "$SRC/dist/app/cli.js" ] || { echo "install.sh: no build in $SRC/dist/app: run 'npm run build' first" >&2; exit 2; }

USER_NAME=pathaudit
APP=$PREFIX/opt/pathaudit
ETC=$PREFIX/etc/pathaudit
STATE=$PREFIX/var/lib/pathaudit
UNIT_DIR=$PREFIX/etc/systemd/system
BIN_DIR=$PREFIX/usr/local/bin
CHANGED=0

say() { echo "install.sh: $*"; }
changed() { CHANGED=1; say "$*"; }

# owner USER:GROUP PATH — chown only for a real install (staging has no such user).
owner() { [ "$STAGED" -eq 1 ] || chown "$1" "$2"; }

# dir MODE OWNER PATH
dir() {
  if [ ! -d "$3" ]; then mkdir -p "$3"; changed "created $3"; fi
  if [ "$(stat -c %a "$3")" != "$1" ]; then chmod "$1" "$3"; changed "mode $1 on $3"; fi
  owner "$2" "$3"
}

# file MODE OWNER SRC DST — replaced only when the content differs.
file() {
  if [ ! -f "$4" ] || ! cmp -s "$3" "$4"; then cp "$3" "$4.tmp.$$" && mv "$4.tmp.$$" "$4"; changed "installed $4"; fi
  if [ "$(stat -c %a "$4")" != "$1" ]; then chmod "$1" "$4"; changed "mode $1 on $4"; fi
  owner "$2" "$4"
}

# keep MODE OWNER SRC DST — the operator's file: created once, never overwritten.
keep() {
  if [ -e "$4" ]; then say "kept $4 (exists)"; else cp "$3" "$4"; chmod "$1" "$4"; changed "created $4"; fi
  owner "$2" "$4"
}

# tree SRC DST — a folder of the build, replaced whole only when anything differs.
tree() {
  if [ -d "$2" ] && diff -rq --no-dereference "$1" "$2" >/dev/null 2>&1; then return 0; fi
  rm -rf "$2.new.$$"
  mkdir -p "$2.new.$$"
  cp -R "$1/." "$2.new.$$/"
  chmod -R u=rwX,go=rX "$2.new.$$"
  rm -rf "$2"
  mv "$2.new.$$" "$2"
  changed "installed $2"
}

# 1. the service user: no login, no home, its own group
if [ "$STAGED" -eq 0 ]; then
  if ! getent group "$USER_NAME" >/dev/null; then groupadd --system "$USER_NAME"; changed "created group $USER_NAME"; fi
  if ! getent passwd "$USER_NAME" >/dev/null; then
    useradd --system --gid "$USER_NAME" --no-create-home --home-dir /var/lib/pathaudit --shell /usr/sbin/nologin "$USER_NAME"
    changed "created user $USER_NAME"
  fi
else
  say "staging into $PREFIX: user $USER_NAME, ownership and systemctl skipped"
fi

# 2. folders
dir 755 root:root "$PREFIX/opt"
dir 755 root:root "$APP"
dir 755 root:root "$APP/config"
dir 755 root:root "$BIN_DIR"
dir 755 root:root "$UNIT_DIR"
dir 750 "root:$USER_NAME" "$ETC"
dir 750 "root:$USER_NAME" "$ETC/secrets"
dir 750 "$USER_NAME:$USER_NAME" "$STATE"

# 3. the build
tree "$SRC/dist" "$APP/dist"
# The CLI entry point carries a shebang: executable whatever the checkout's mode.
if [ "$(stat -c %a "$APP/dist/app/cli.js")" != 755 ]; then chmod 755 "$APP/dist/app/cli.js"; changed "mode 755 on $APP/dist/app/cli.js"; fi
file 644 root:root "$SRC/package.json" "$APP/package.json"
[ ! -f "$SRC/package-lock.json" ] || file 644 root:root "$SRC/package-lock.json" "$APP/package-lock.json"
[ ! -f "$SRC/README.md" ] || file 644 root:root "$SRC/README.md" "$APP/README.md"
file 644 root:root "$SRC/config/pathaudit.example.yaml" "$APP/config/pathaudit.example.yaml"
[ ! -f "$SRC/config/pathaudit.schema.json" ] || file 644 root:root "$SRC/config/pathaudit.schema.json" "$APP/config/pathaudit.schema.json"
if [ "$SKIP_DEPS" -eq 0 ]; then
  # Production dependencies only, copied from this checkout (no network): the
  # top-level package folders npm lists without dev dependencies.
  [ -d "$SRC/node_modules" ] || { echo "install.sh: $SRC/node_modules missing: run 'npm ci' first or pass --skip-deps" >&2; exit 2; }
  dir 755 root:root "$APP/node_modules"
  NM=$(CDPATH= cd -- "$SRC/node_modules" && pwd -P)   # npm prints real paths (node_modules may be a symlink)
  (cd "$SRC" && npm ls --omit=dev --all --parseable 2>/dev/null) | while IFS= read -r pkg; do
    rel=${pkg#"$NM/"}
    [ "$rel" != "$pkg" ] || rel=${pkg#"$SRC/node_modules/"}
    case "$rel" in "$pkg"|*/node_modules/*) continue ;; esac
    case "$rel" in */*) mkdir -p "$APP/node_modules/${rel%/*}" ;; esac
    tree "$pkg" "$APP/node_modules/$rel"
  done
fi

# 4. CLI wrapper: it runs the build under the same prefix, so a staged tree
# (--prefix) works where it is, and with Debian's node (else the one on PATH).
NODE_BIN=/usr/bin/node
[ -x "$NODE_BIN" ] || NODE_BIN=$(command -v node) || { echo "install.sh: no node found (install nodejs)" >&2; exit 2; }
WRAPPER=$(mktemp)
printf '#!/bin/sh\nexec '"'"'%s'"'"' '"'"'%s/dist/app/cli.js'"'"' "$@"\n' "$NODE_BIN" "$APP" > "$WRAPPER"
file 755 root:root "$WRAPPER" "$BIN_DIR/pathaudit"
rm -f "$WRAPPER"

# 5. the unit and the operator's files (created once)
file 644 root:root "$SRC/systemd/pathaudit.service" "$UNIT_DIR/pathaudit.service"
keep 640 "root:$USER_NAME" "$SRC/config/pathaudit.example.yaml" "$ETC/config.yaml"
keep 640 "root:$USER_NAME" "$SRC/systemd/pathaudit.env" "$ETC/pathaudit.env"
if [ -e "$ETC/secrets/api-token" ]; then
  say "kept $ETC/secrets/api-token (exists)"
else
  # root:pathaudit 0640, group pathaudit holding only the pathaudit user: the
  # service reads its own secret and no one else does — what GG-10 and the
  # README ask of every secret in /etc/pathaudit/secrets.
  (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$ETC/secrets/api-token")
  chmod 640 "$ETC/secrets/api-token"
  changed "generated API token $ETC/secrets/api-token (0640, readable by group $USER_NAME)"
fi
owner "root:$USER_NAME" "$ETC/secrets/api-token"

if [ "$STAGED" -eq 0 ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  [ "$CHANGED" -eq 0 ] || systemctl daemon-reload
  say "edit /etc/pathaudit/config.yaml, then: systemctl enable --now pathaudit"
fi
if [ "$CHANGED" -eq 0 ]; then say "nothing to do: already installed"; else say "done"; fi
