#!/bin/sh
# Linux packages from the frozen bundle (dist/longread, made by packaging/longread.spec):
#   dist/longread_VERSION_ARCH.deb            installs to /opt/longread, /usr/bin/longread,
#                                             a .desktop entry and icons
#   dist/longread-VERSION-linux-ARCH.tar.zst  the same bundle for other distributions
# then installs the .deb into a scratch root (or, with SYSTEM_INSTALL=1, into this system, as
# CI does) and runs the installed app's --smoke-test.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml")
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
BUNDLE="$ROOT/dist/longread"
DEB="$ROOT/dist/longread_${VERSION}_${ARCH}.deb"
TARBALL="$ROOT/dist/longread-${VERSION}-linux-$(uname -m).tar.zst"
[ -x "$BUNDLE/longread" ] || { echo "no bundle at $BUNDLE: run pyinstaller first"; exit 1; }

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications"
cp -a "$BUNDLE" "$STAGE/opt/longread"
ln -s ../../opt/longread/longread "$STAGE/usr/bin/longread"
for size in 16 24 32 48 64 128 256 512; do
    dir="$STAGE/usr/share/icons/hicolor/${size}x${size}/apps"
    mkdir -p "$dir"
    cp "$ROOT/packaging/icons/longread-$size.png" "$dir/longread.png"
done
cp "$ROOT/packaging/linux/longread.desktop" "$STAGE/usr/share/applications/longread.desktop"
INSTALLED_KB=$(du -sk "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$INSTALLED_KB/" \
    "$ROOT/packaging/linux/control" > "$STAGE/DEBIAN/control"
# Removing the package never touches the user's library or settings (~/.local/share/Longread).
cp "$ROOT/packaging/linux/postrm" "$STAGE/DEBIAN/postrm"
chmod 0755 "$STAGE/DEBIAN/postrm"

started=$(date +%s)
dpkg-deb -Zzstd --root-owner-group --build "$STAGE" "$DEB" > /dev/null
echo "built $DEB: $(du -h "$DEB" | cut -f1) ($(($(date +%s) - started)) s); unpacked $((INSTALLED_KB / 1024)) MB"
tar --zstd -cf "$TARBALL" -C "$ROOT/dist" longread
echo "built $TARBALL: $(du -h "$TARBALL" | cut -f1)"

# Install and try it.
if [ "${SYSTEM_INSTALL:-0}" = 1 ]; then
    # apt resolves the Depends line (Qt's system libraries); plain dpkg where there is no apt.
    if command -v apt-get > /dev/null; then apt-get install -y "$DEB"; else dpkg -i "$DEB"; fi
    APP=/usr/bin/longread
else
    TARGET=$(mktemp -d)
    dpkg-deb -x "$DEB" "$TARGET"
    APP="$TARGET/usr/bin/longread"
    echo "unpacked into the scratch root $TARGET"
fi
HOME_BEFORE=$(mktemp -d)
LONGREAD_HOME="$HOME_BEFORE" "$APP" --smoke-test
started=$(python3 -c 'import time; print(time.time())')
"$APP" --help > /dev/null
echo "longread --help in the installed app: $(python3 -c "import time; print(f'{time.time() - $started:.2f}')") s"
if [ "${SYSTEM_INSTALL:-0}" = 1 ]; then
    mkdir -p "$HOME_BEFORE/library" && touch "$HOME_BEFORE/library/keep-me"
    dpkg -r longread
    [ -e "$HOME_BEFORE/library/keep-me" ] && echo "uninstalled; the user's library is still there"
fi
