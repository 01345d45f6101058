#!/bin/sh
# install.sh - turn a Debian or Ubuntu machine into a vmail mail server.
#
#   sudo ./install.sh --hostname mail.example.com --domain example.com
#
# Run from a checkout of vmail.  It installs the packages vmail needs
# (non-interactively), builds and installs vmailctl, and runs
# "vmailctl setup" with the arguments given here; see
# "vmailctl setup --help" for them.  Running it again is safe and is the
# upgrade path: packages already installed are not touched, unchanged
# files are not rewritten, and services are only reloaded if their
# configuration changed.
set -eu

STEPS=5
STEP=0
STEP_NAME="checking the system"
PREFIX=/usr/local
VMAILCTL="$PREFIX/sbin/vmailctl"

# What vmailctl is built with, and the mail stack it configures.
BUILD_PACKAGES="build-essential pkg-config libsqlite3-dev libssl-dev"
BUILD_PACKAGES="$BUILD_PACKAGES libcrypt-dev libinih-dev libjson-c-dev"
BUILD_PACKAGES="$BUILD_PACKAGES libacl1-dev zlib1g-dev"
MAIL_PACKAGES="postfix postfix-sqlite dovecot-core dovecot-imapd"
MAIL_PACKAGES="$MAIL_PACKAGES dovecot-pop3d dovecot-lmtpd dovecot-sieve"
MAIL_PACKAGES="$MAIL_PACKAGES dovecot-managesieved dovecot-sqlite sqlite3"
MAIL_PACKAGES="$MAIL_PACKAGES ca-certificates"
# The filter: rspamd (a Postfix milter), its state in Redis.
MAIL_PACKAGES="$MAIL_PACKAGES rspamd redis-server"
# The web front on ports 80 and 443 (ACME challenges, MTA-STS policies,
# client autoconfiguration): Debian's and Ubuntu's nginx package (the
# full build: it has sub_filter, which the Apple profile needs).
MAIL_PACKAGES="$MAIL_PACKAGES nginx"
# The ACME client ([tls] acme = yes, --acme EMAIL; docs/certificates.md):
# Debian's uacme (C, libcurl; about 100 KB), installed always so that
# turning ACME on later needs no apt run.
MAIL_PACKAGES="$MAIL_PACKAGES uacme"
# The virus scanner (rspamd asks clamd), unless --no-antivirus or
# [antivirus] enabled = no in /etc/vmail/vmail.conf: clamd needs about
# 1-1.5 GB of RAM with the official signatures.
AV_PACKAGES="clamav-daemon clamav-freshclam"
# SpamAssassin, with --spam spamassassin or [spam] engine = spamassassin:
# spamd scores the mail (rspamd asks it), spamc lets the learning
# scripts train it.
SA_PACKAGES="spamd spamc"
# With systemd, the daemons log to the journal; a syslog daemon also
# writes their lines to /var/log/mail.log, where administrators (and
# log tools such as fail2ban) look.  Ubuntu has rsyslog already; Debian
# 13 no longer installs one by default.
LOG_PACKAGES="rsyslog logrotate"
# Outgoing mail's security (docs/outbound-tls.md), with systemd: unbound
# validates DNSSEC for Postfix's DANE (dns-root-data: the root trust
# anchor), postfix-mta-sts-resolver looks up MTA-STS policies.
RESOLVER_PACKAGES="unbound dns-root-data postfix-mta-sts-resolver"

usage() {
	cat <<'EOF'
usage: sudo ./install.sh --hostname FQDN --domain DOMAIN [SETUP OPTIONS]
       ./install.sh --help

Install vmail on this Debian or Ubuntu machine, in five steps:
  1. install Postfix, Dovecot, nginx and the build tools with apt
  2. build vmailctl (make)
  3. install vmailctl and the templates under /usr/local (make install)
  4. configure and start the mail server (vmailctl setup OPTIONS)
  5. check the result (postfix check, doveconf -n)

--hostname and --domain are needed the first time only; they are kept
in /etc/vmail/vmail.conf.  Every option is passed to "vmailctl setup":
  --hostname FQDN  --domain DOMAIN  --admin ADDRESS
  --admin-password-stdin  --admin-password (asks on the terminal)
  --message-size-limit SIZE  --default-quota SIZE
  --no-antivirus  --antivirus  --spam rspamd|spamassassin
  --role primary|backup-mx  --primary HOST  --backup-mx "HOST ..."
A backup MX (docs/backup-mx.md) is installed with --hostname FQDN
--role backup-mx --primary HOST (no --domain): it queues mail for the
primary's domains while the primary is down.
  --acme EMAIL  --no-acme  --acme-directory URL
--no-antivirus leaves out ClamAV (clamav-daemon, clamav-freshclam) and
turns virus scanning off; it saves the 1-1.5 GB of RAM clamd needs.
The choice is kept in /etc/vmail/vmail.conf ([antivirus] enabled);
--antivirus turns scanning on again.
--spam spamassassin installs SpamAssassin (spamd, spamc) and makes it
score incoming mail instead of rspamd's own rules ([spam] engine);
--spam rspamd goes back (spamd is stopped, the packages stay).

Running it again is safe: it changes only what is not right yet.
EOF
}

say() { printf '%s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

step() {
	STEP=$1
	STEP_NAME=$2
	say "[$STEP/$STEPS] $STEP_NAME"
}

# On any failure: which step, and how to try again.
on_exit() {
	status=$?
	[ "$status" -eq 0 ] && return
	{
		say ""
		if [ "$STEP" -gt 0 ]; then
			say "install.sh: step $STEP/$STEPS ($STEP_NAME) failed."
		else
			say "install.sh: failed while $STEP_NAME."
		fi
		say "Fix the problem reported above, then run the same command"
		say "again (sudo ./install.sh ...); finished steps are skipped or"
		say "leave things as they are."
		case $STEP in
		1) say "To retry the packages alone: apt-get update &&" \
		       "apt-get install $BUILD_PACKAGES $MAIL_PACKAGES" ;;
		2) say "To retry the build alone: make" ;;
		3) say "To retry the installation alone: make install" ;;
		4) say "To retry the configuration alone: $VMAILCTL setup" ;;
		5) say "Check by hand: postfix check; doveconf -n >/dev/null" ;;
		esac
	} >&2
}
trap on_exit EXIT

# ---- checks before anything is changed ----------------------------------

wants_help() {
	for arg in "$@"; do
		case $arg in -h|--help) return 0 ;; esac
	done
	return 1
}

has_option() {
	opt=$1
	short=$2
	shift 2
	for arg in "$@"; do
		case $arg in
		"$opt"|"$opt"=*|"$short") return 0 ;;
		esac
	done
	return 1
}

# Is this the first install of a backup MX ("--role backup-mx" or
# "--role=backup-mx")?
is_backup_mx() {
	prev=
	for arg in "$@"; do
		case $prev$arg in
		--role=backup-mx|--rolebackup-mx) return 0 ;;
		esac
		prev=
		[ "$arg" = --role ] && prev=--role
	done
	return 1
}

check_system() {
	[ "$(id -u)" -eq 0 ] || die "run me as root (sudo ./install.sh ...)"
	[ -r /etc/os-release ] || die "cannot tell the OS: no /etc/os-release"
	# shellcheck disable=SC1091
	os_id=$(. /etc/os-release && printf '%s %s' "${ID:-}" "${ID_LIKE:-}")
	case " $os_id " in
	*" debian "*|*" ubuntu "*) ;;
	*) die "vmail installs on Debian or Ubuntu only (this is: $os_id)" ;;
	esac
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found"
	if [ ! -f Makefile ] || [ ! -d templates ]; then
		die "run me from the vmail checkout (no Makefile here)"
	fi
	if [ ! -f /etc/vmail/vmail.conf ]; then
		# A backup MX (--role backup-mx --primary HOST) hosts no
		# domain of its own: --hostname is enough.
		if ! has_option --hostname -H "$@" ||
		   { ! has_option --domain -d "$@" && ! is_backup_mx "$@"; }; then
			die "the first installation needs --hostname and" \
			    "--domain (see ./install.sh --help)"
		fi
	fi
}

# ---- 1. packages -----------------------------------------------------------

# Is ClamAV wanted?  The last of --antivirus/--no-antivirus wins; without
# either, [antivirus] enabled in vmail.conf decides (default: yes).
antivirus_wanted() {
	want=
	for arg in "$@"; do
		case $arg in
		--antivirus) want=yes ;;
		--no-antivirus) want=no ;;
		esac
	done
	if [ -z "$want" ] && [ -f /etc/vmail/vmail.conf ]; then
		want=$(awk '
			/^[ \t]*\[/ { sec = $0; gsub(/[][ \t]/, "", sec); next }
			sec == "antivirus" && $1 == "enabled" {
				v = $0; sub(/^[^=]*=[ \t]*/, "", v)
				sub(/[ \t]*$/, "", v); print v
			}' /etc/vmail/vmail.conf)
	fi
	[ "$want" != no ]
}

# Which spam engine?  The last --spam wins; without one, [spam] engine in
# vmail.conf decides (default: rspamd).  vmailctl setup checks the name.
spam_engine() {
	engine=
	next=
	for arg in "$@"; do
		if [ -n "$next" ]; then
			engine=$arg
			next=
			continue
		fi
		case $arg in
		--spam) next=yes ;;
		--spam=*) engine=${arg#--spam=} ;;
		esac
	done
	if [ -z "$engine" ] && [ -f /etc/vmail/vmail.conf ]; then
		engine=$(awk '
			/^[ \t]*\[/ { sec = $0; gsub(/[][ \t]/, "", sec); next }
			sec == "spam" && /^[ \t]*engine[ \t]*=/ {
				v = $0; sub(/^[^=]*=[ \t]*/, "", v)
				sub(/[ \t]+[;#].*$/, "", v)
				sub(/[ \t]*$/, "", v); print v
			}' /etc/vmail/vmail.conf)
	fi
	printf '%s' "${engine:-rspamd}"
}

# The packages of the list that are not installed yet.
missing_packages() {
	for pkg in "$@"; do
		state=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) || state=
		[ "$state" = "install ok installed" ] || printf '%s ' "$pkg"
	done
}

# Is there a syslog daemon that writes /var/log/mail.log?  (Only with
# systemd: without an init nothing would run one, and the daemons write
# their own log files instead.)
syslog_wanted() {
	[ -d /run/systemd/system ] || return 1
	for pkg in rsyslog syslog-ng-core busybox-syslogd inetutils-syslogd; do
		state=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) || state=
		[ "$state" != "install ok installed" ] || return 1
	done
	return 0
}

install_packages() {
	if syslog_wanted; then
		MAIL_PACKAGES="$MAIL_PACKAGES $LOG_PACKAGES"
	fi
	if [ -d /run/systemd/system ]; then
		MAIL_PACKAGES="$MAIL_PACKAGES $RESOLVER_PACKAGES"
	fi
	if antivirus_wanted "$@"; then
		MAIL_PACKAGES="$MAIL_PACKAGES $AV_PACKAGES"
	fi
	if [ "$(spam_engine "$@")" = spamassassin ]; then
		MAIL_PACKAGES="$MAIL_PACKAGES $SA_PACKAGES"
	fi
	# shellcheck disable=SC2086
	missing=$(missing_packages $BUILD_PACKAGES $MAIL_PACKAGES)
	if [ -z "$missing" ]; then
		say "      all packages are installed already"
		return
	fi
	say "      installing: $missing"
	export DEBIAN_FRONTEND=noninteractive
	# Postfix's own setup questions: none; vmailctl writes its config.
	echo "postfix postfix/main_mailer_type select No configuration" |
		debconf-set-selections
	# stdin stays free for "vmailctl setup --admin-password-stdin".
	apt-get -q update </dev/null
	# shellcheck disable=SC2086
	apt-get -q -y --no-install-recommends \
		-o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold \
		install $missing </dev/null
}

# ---- 2..5 -------------------------------------------------------------------

cpu_count() {
	n=$(getconf _NPROCESSORS_ONLN 2>/dev/null) || n=1
	printf '%s' "${n:-1}"
}

# Step 5: "postfix check" and "doveconf -n" must print no warning.
check_result() {
	# Warnings go to stderr; Debian's "updating /etc/hosts => ..." notes
	# on stdout are not warnings.
	out=$(postfix check 2>&1 >/dev/null) || die "postfix check failed: $out"
	[ -z "$out" ] || die "postfix check warns: $out"
	out=$(doveconf -n 2>&1 >/dev/null) || die "doveconf -n failed: $out"
	[ -z "$out" ] || die "doveconf -n warns: $out"
	say "      postfix check and doveconf -n are clean"
}

main() {
	if wants_help "$@"; then
		usage
		exit 0
	fi
	cd "$(dirname "$0")"
	# The daemons' tools live in sbin, which "su" without "-" leaves out.
	PATH="$PREFIX/sbin:/usr/sbin:/sbin:$PATH"
	export PATH
	check_system "$@"

	step 1 "Installing packages"
	install_packages "$@"

	step 2 "Building vmailctl"
	make -j"$(cpu_count)" </dev/null

	step 3 "Installing vmailctl into $PREFIX"
	make install PREFIX="$PREFIX" </dev/null

	step 4 "Configuring Postfix and Dovecot with vmailctl setup"
	VMAIL_PROGRESS=1 "$VMAILCTL" setup "$@"

	step 5 "Checking the mail server"
	check_result
	say "Done."
}

main "$@"
