#!/bin/sh
# macOS (arm64): the frozen Longread.app, its smoke test, signing and notarization when the
# secrets are there, then dist/Longread-VERSION-arm64.dmg.
#
# Signing needs, in the environment (from the repository's secrets in CI):
#   MACOS_SIGN_IDENTITY   "Developer ID Application: NAME (TEAMID)", in the keychain
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   for notarytool
# Without them the .dmg is built unsigned and a notice says so (Gatekeeper will then ask the
# user to confirm the first start).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
APP="dist/Longread.app"
DMG="dist/Longread-$VERSION-$(uname -m).dmg"

pyinstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/longread.spec
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/longread" --smoke-test

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
    codesign --force --deep --options runtime --timestamp \
        --entitlements packaging/macos/entitlements.plist \
        --sign "$MACOS_SIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict "$APP"
else
    echo "::notice::MACOS_SIGN_IDENTITY is not set: Longread.app is not signed"
fi

rm -f "$DMG"
hdiutil create -volname "Longread" -srcfolder "$APP" -ov -format UDZO "$DMG"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ] && [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] \
    && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
    codesign --sign "$MACOS_SIGN_IDENTITY" --timestamp "$DMG"
    xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
        --password "$APPLE_APP_PASSWORD" --wait
    xcrun stapler staple "$DMG"
else
    echo "::notice::Apple notarization secrets are not set: the .dmg is not notarized"
fi
ls -l "$DMG"
