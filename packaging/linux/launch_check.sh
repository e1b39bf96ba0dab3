#!/bin/sh
# Opens the installed window under a virtual X server: the time from launch until the window
# is up and taking input (its "window opened" log line), then a screenshot.
#   sh packaging/linux/launch_check.sh /usr/bin/longread dist/installed-window.png
set -eu
APP=${1:-/usr/bin/longread}
SHOT=${2:-dist/installed-window.png}
HOME_DIR=$(mktemp -d)
export LONGREAD_HOME="$HOME_DIR"
# The inner script is expanded by its own shell, on purpose.
# shellcheck disable=SC2016
for run in cold warm; do
    rm -rf "$HOME_DIR/logs"
    xvfb-run -a -s "-screen 0 1400x900x24" sh -c '
        started=$(date +%s.%N)
        "$0" &
        pid=$!
        while ! grep -qs "window opened" "$LONGREAD_HOME/logs/longread.log"; do sleep 0.05; done
        echo "$(echo "$(date +%s.%N) - $started" | bc) s"
        sleep 4
        import -window root "$1"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    ' "$APP" "$SHOT" | sed "s/^/$run start to a usable window: /"
done
echo "screenshot: $SHOT"
