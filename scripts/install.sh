#!/bin/sh
# `make install` and `make uninstall` (docs/install.md): the crampwatch binary, the udev rule and the systemd user
# units that run the monitor every night. Settings come from the environment, as the Makefile passes them:
#   PREFIX        where to install (absolute); default ~/.local
#   DESTDIR       staging root for packaging: files go to DESTDIR/PREFIX/..., but every path written into them
#                 (ExecStart=) is the final one under PREFIX
#   BINARY        the executable to install (the Makefile builds .build/release/crampwatch)
#   BEDTIME       HH:MM the monitor starts (default 22:30); MORNING: HH:MM the night ends (default 07:00)
#   KEEP_NIGHTS   raw captures of this many newest nights are kept (default 14)
#   OLD_CAPTURES  what becomes of older ones: bdf or edf (converted, gzip-compressed) or delete (default bdf)
#   SYSTEMD_USER_DIR, UDEV_RULES_DIR   override where units and the udev rule go
set -eu

action=${1:-install}
PREFIX=${PREFIX:-$HOME/.local}
DESTDIR=${DESTDIR:-}
BINARY=${BINARY:-.build/release/crampwatch}
BEDTIME=${BEDTIME:-22:30}
MORNING=${MORNING:-07:00}
KEEP_NIGHTS=${KEEP_NIGHTS:-14}
OLD_CAPTURES=${OLD_CAPTURES:-bdf}
UNITS="crampwatch-monitor.service crampwatch-monitor.timer crampwatch-morning.service crampwatch-morning.timer crampwatch-serve.service"
RULE=70-crampwatch.rules
here=$(cd "$(dirname "$0")/.." && pwd)

fail() { echo "install: $*" >&2; exit 1; }

# The binary's path is written into ExecStart=, where a space, a quote or '%' would change its meaning.
case $PREFIX in
    /*) ;;
    *) fail "PREFIX must be an absolute path (it is '$PREFIX')" ;;
esac
case $PREFIX in
    *[!A-Za-z0-9._/+@-]*) fail "PREFIX '$PREFIX' has a character systemd's ExecStart= would misread (space, quote, %, ...); choose a plain path" ;;
esac
PREFIX=${PREFIX%/}
[ -n "$PREFIX" ] || PREFIX=/

# User units go where the user's systemd looks for them: ~/.local/share/systemd/user for a PREFIX in the home,
# PREFIX/lib/systemd/user for /usr and /usr/local. `systemctl --user edit` keeps a person's changes in
# ~/.config/systemd/user, so a new `make install` never overwrites them.
if [ -z "${SYSTEMD_USER_DIR:-}" ]; then
    case $PREFIX in
        "$HOME"/*) SYSTEMD_USER_DIR=$PREFIX/share/systemd/user ;;
        *) SYSTEMD_USER_DIR=$PREFIX/lib/systemd/user ;;
    esac
fi
# udev reads rules from /etc/udev/rules.d and /usr/lib/udev/rules.d only: installed there when PREFIX is /usr (or
# UDEV_RULES_DIR says where); otherwise the rule is kept in PREFIX/share/crampwatch and the sudo command printed.
if [ -z "${UDEV_RULES_DIR:-}" ] && [ "$PREFIX" = /usr ]; then UDEV_RULES_DIR=/usr/lib/udev/rules.d; fi
UDEV_RULES_DIR=${UDEV_RULES_DIR:-}
searched() {
    case $1 in
        "${XDG_DATA_HOME:-$HOME/.local/share}/systemd/user"|/usr/lib/systemd/user|/usr/local/lib/systemd/user) return 0 ;;
        "${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"|/etc/systemd/user|/usr/local/share/systemd/user) return 0 ;;
    esac
    return 1
}

bindir=$PREFIX/bin
datadir=$PREFIX/share/crampwatch

install_files() {
    echo "$BEDTIME" | grep -Eq '^([01][0-9]|2[0-3]):[0-5][0-9]$' || fail "BEDTIME must be HH:MM (24-hour), not '$BEDTIME'"
    echo "$MORNING" | grep -Eq '^([01][0-9]|2[0-3]):[0-5][0-9]$' || fail "MORNING must be HH:MM (24-hour), not '$MORNING'"
    echo "$KEEP_NIGHTS" | grep -Eq '^[1-9][0-9]*$' || fail "KEEP_NIGHTS must be a whole number of nights, 1 or more"
    case $OLD_CAPTURES in
        bdf|edf) prune="--keep $KEEP_NIGHTS --convert $OLD_CAPTURES" ;;
        delete) prune="--keep $KEEP_NIGHTS --delete" ;;
        *) fail "OLD_CAPTURES must be bdf, edf or delete, not '$OLD_CAPTURES'" ;;
    esac
    [ -x "$BINARY" ] || fail "$BINARY is not built (run make install, which builds it)"

    install -d -m 0755 "$DESTDIR$bindir" "$DESTDIR$datadir" "$DESTDIR$SYSTEMD_USER_DIR"
    install -m 0755 "$BINARY" "$DESTDIR$bindir/crampwatch"
    install -m 0644 "$here/contrib/$RULE" "$DESTDIR$datadir/$RULE"
    for unit in $UNITS; do
        sed -e "s|@CRAMPWATCH@|$bindir/crampwatch|g" -e "s|@BEDTIME@|$BEDTIME|g" -e "s|@MORNING@|$MORNING|g" \
            -e "s|@PRUNE@|$prune|g" "$here/contrib/$unit" > "$DESTDIR$SYSTEMD_USER_DIR/$unit.tmp"
        if grep -n '@[A-Z_]*@' "$DESTDIR$SYSTEMD_USER_DIR/$unit.tmp"; then
            rm -f "$DESTDIR$SYSTEMD_USER_DIR/$unit.tmp"
            fail "contrib/$unit: a placeholder above was not filled in"
        fi
        chmod 0644 "$DESTDIR$SYSTEMD_USER_DIR/$unit.tmp"
        mv "$DESTDIR$SYSTEMD_USER_DIR/$unit.tmp" "$DESTDIR$SYSTEMD_USER_DIR/$unit"
    done
    echo "installed $DESTDIR$bindir/crampwatch"
    echo "installed the systemd user units in $DESTDIR$SYSTEMD_USER_DIR (monitor at $BEDTIME, morning stop at $MORNING)"
    enable="systemctl --user enable --now crampwatch-monitor.timer crampwatch-morning.timer"
    if ! searched "$SYSTEMD_USER_DIR"; then
        echo "note: systemd does not look for user units in $SYSTEMD_USER_DIR: the command below links them from there"
        enable="systemctl --user link $SYSTEMD_USER_DIR/crampwatch-monitor.service $SYSTEMD_USER_DIR/crampwatch-morning.service && systemctl --user enable --now $SYSTEMD_USER_DIR/crampwatch-monitor.timer $SYSTEMD_USER_DIR/crampwatch-morning.timer"
    fi

    if [ -n "$UDEV_RULES_DIR" ]; then
        install -d -m 0755 "$DESTDIR$UDEV_RULES_DIR"
        install -m 0644 "$here/contrib/$RULE" "$DESTDIR$UDEV_RULES_DIR/$RULE"
        echo "installed the udev rule $DESTDIR$UDEV_RULES_DIR/$RULE"
        [ -n "$DESTDIR" ] || echo "then: sudo udevadm control --reload && sudo udevadm trigger --subsystem-match=usb --subsystem-match=tty --subsystem-match=usb-serial"
    elif cmp -s "$here/contrib/$RULE" "/etc/udev/rules.d/$RULE" || cmp -s "$here/contrib/$RULE" "/usr/lib/udev/rules.d/$RULE"; then
        echo "the udev rule is already installed"
    else
        echo "the udev rule is not installed: udev reads /etc/udev/rules.d, not $PREFIX. Install it once, as root:"
        echo "  sudo install -m 0644 $datadir/$RULE /etc/udev/rules.d/$RULE && sudo udevadm control --reload && sudo udevadm trigger --subsystem-match=usb --subsystem-match=tty --subsystem-match=usb-serial"
    fi
    if [ -z "$DESTDIR" ]; then
        echo "to run it every night:"
        echo "  systemctl --user daemon-reload && $enable"
    fi
}

uninstall_files() {
    # Only units systemd actually runs are disabled: uninstalling a test or staging PREFIX leaves the real ones be.
    live=false
    if [ -z "$DESTDIR" ] && searched "$SYSTEMD_USER_DIR" && [ -f "$SYSTEMD_USER_DIR/crampwatch-monitor.service" ] \
        && command -v systemctl >/dev/null 2>&1; then live=true; fi
    if $live; then
        # Stopping a running monitor saves its night first (SIGTERM), as the morning stop does.
        if systemctl --user disable --now crampwatch-monitor.timer crampwatch-morning.timer >/dev/null 2>&1; then
            systemctl --user stop crampwatch-monitor.service >/dev/null 2>&1 || true
            # The web app, if it was enabled at boot (README: "At the bedside").
            systemctl --user disable --now crampwatch-serve.service >/dev/null 2>&1 || true
        else
            echo "note: the user's systemd did not answer; if the timers were enabled, run:"
            echo "  systemctl --user disable --now crampwatch-monitor.timer crampwatch-morning.timer"
        fi
    fi
    rm -f "$DESTDIR$bindir/crampwatch" "$DESTDIR$datadir/$RULE"
    rmdir "$DESTDIR$datadir" 2>/dev/null || true
    for unit in $UNITS; do rm -f "$DESTDIR$SYSTEMD_USER_DIR/$unit"; done
    if [ -n "$UDEV_RULES_DIR" ]; then rm -f "$DESTDIR$UDEV_RULES_DIR/$RULE"; fi
    if $live; then systemctl --user daemon-reload >/dev/null 2>&1 || true; fi
    echo "removed crampwatch, its units and its copy of the udev rule from $DESTDIR$PREFIX; your journal and captures stay"
    if [ -z "$UDEV_RULES_DIR" ] && [ -f "/etc/udev/rules.d/$RULE" ]; then
        echo "the udev rule stays in /etc/udev/rules.d; to remove it: sudo rm /etc/udev/rules.d/$RULE"
    fi
}

case $action in
    install) install_files ;;
    uninstall) uninstall_files ;;
    *) fail "unknown action '$action' (install or uninstall)" ;;
esac
