/*
 * config.c - read and write /etc/vmail/vmail.conf (see config.h).
 *
 * "vmailctl setup" loads the file with config_load(), applies its
 * command-line flags, and writes a new file with config_format(), or
 * changes an existing one in place with config_edit() (config_edit.c,
 * which uses the table through config_internal.h); the other commands
 * only load it.  One table below lists every setting: its
 * section, key, kind (how it is checked) and the comment written above
 * it, so parsing and formatting cannot drift apart.
 *
 * libinih does the INI syntax.  We feed it through ini_parse_stream()
 * with our own line reader so that every error, ours or inih's, carries
 * the right line number, and so over-long lines are refused instead of
 * being split silently.
 */
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/buf.h"
#include "lib/config_internal.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/size.h"
#include "lib/str.h"
#include "lib/validate.h"

#ifndef VMAIL_DATADIR
#define VMAIL_DATADIR "/usr/local/share/vmail"
#endif

#define DEFAULT_MESSAGE_SIZE_LIMIT (50ULL << 20)   /* 50M */
#define DEFAULT_QUOTA (2ULL << 30)                 /* 2G */
#define DEFAULT_TLS_CERT "/etc/vmail/tls/cert.pem"
#define DEFAULT_TLS_KEY "/etc/vmail/tls/key.pem"
#define DEFAULT_MAIL_ROOT "/var/vmail"
#define DEFAULT_MESSAGES_PER_HOUR 200
#define DEFAULT_RECIPIENTS_PER_HOUR 1000
/* rspamd's own defaults, in hundredths. */
#define DEFAULT_SPAM_REJECT 1500
#define DEFAULT_SPAM_ADD_HEADER 600
#define DEFAULT_SPAM_GREYLIST 400
#define MAX_SPAM_SCORE 100000
#define DEFAULT_GREYLIST_DELAY 300                 /* 5 minutes */
#define MAX_DURATION (12 * 3600)                   /* 12 hours */
#define DAY 86400
#define MAX_DAYS (2 * 365)                         /* 2 years */
#define DEFAULT_ACME_DIRECTORY "https://acme-v02.api.letsencrypt.org/directory"
#define DEFAULT_BLOCKLISTS "zen.spamhaus.org"
#define DEFAULT_MTA_STS_MAX_AGE (7 * DAY)

enum kind {
	K_DOMAIN,   /* a domain name; empty = not set yet */
	K_ADDRESS,  /* a mail address; empty = not set yet */
	K_SIZE,     /* a byte size (parse_size) */
	K_COUNT,    /* a whole number, 0..VM_SEND_LIMIT_MAX (uint32_t) */
	K_PATH,     /* an absolute path */
	K_SCORE,    /* a spam score, 0 < n <= 1000, two decimals at most */
	K_BOOL,     /* yes or no */
	K_DURATION, /* seconds, written 30s, 5m or 1h; 1s to 12h */
	K_ENGINE,   /* rspamd or spamassassin */
	K_CHOICE,   /* one word of the setting's choices ("a|b|c") */
	K_DAYS,     /* seconds, written 7d, 2w, 6 months or 1y; 1 day to
		       2 years ("no" too, = 0, where choices is "no") */
	K_URL,      /* an https:// URL; empty = the default */
	K_HOSTS,    /* domain names, separated by spaces; may be empty */
	K_IPV4,     /* an IPv4 address; empty = found out at run time */
	K_IPV6,     /* an IPv6 address; empty = found out at run time */
};

struct setting {
	const char *section;
	const char *key;
	enum kind kind;
	size_t offset;      /* of the field in struct vm_config */
	size_t size;        /* of a string field */
	const char *help;   /* comment written above the key */
	const char *choices;  /* K_CHOICE: "a|b|c"; K_DAYS: "no" if 0 is
				 allowed (written "no") */
};

#define NSETTINGS (sizeof settings / sizeof settings[0])

static const struct setting settings[] = {
	{ "server", "hostname", K_DOMAIN, offsetof(struct vm_config, hostname),
	  sizeof ((struct vm_config *)0)->hostname,
	  "Fully qualified name of this server: the SMTP greeting and the\n"
	  "name in the TLS certificate.  DNS must point its A record here.", NULL },
	{ "server", "domain", K_DOMAIN, offsetof(struct vm_config, domain),
	  sizeof ((struct vm_config *)0)->domain,
	  "The first hosted domain (add more with \"vmailctl domain add\").", NULL },
	{ "server", "admin", K_ADDRESS, offsetof(struct vm_config, admin),
	  sizeof ((struct vm_config *)0)->admin,
	  "The administrator's mailbox; postmaster@ and abuse@ go there.\n"
	  "Empty means admin@DOMAIN.", NULL },
	{ "server", "role", K_CHOICE, offsetof(struct vm_config, role),
	  sizeof ((struct vm_config *)0)->role,
	  "What this server is: \"primary\" hosts the mailboxes; \"backup-mx\"\n"
	  "only queues mail for the domains of [server] primary while it is\n"
	  "down, and hands it over when it is back (docs/dns.md).",
	  "primary|backup-mx" },
	{ "server", "primary", K_DOMAIN, offsetof(struct vm_config, primary),
	  sizeof ((struct vm_config *)0)->primary,
	  "role = backup-mx: the host name of the primary server.", NULL },
	{ "server", "backup_mx", K_HOSTS, offsetof(struct vm_config, backup_mx),
	  sizeof ((struct vm_config *)0)->backup_mx,
	  "role = primary: the host names of the backup MX servers (with\n"
	  "spaces between them), published in MX and MTA-STS after this one.", NULL },
	{ "server", "ipv4", K_IPV4, offsetof(struct vm_config, ipv4),
	  sizeof ((struct vm_config *)0)->ipv4,
	  "The public addresses of this server, for its DNS records and\n"
	  "checks.  Empty means the address of the interface the default\n"
	  "route leaves by (IPv6: none if it has no global address).", NULL },
	{ "server", "ipv6", K_IPV6, offsetof(struct vm_config, ipv6),
	  sizeof ((struct vm_config *)0)->ipv6, NULL, NULL },
	{ "limits", "message_size_limit", K_SIZE,
	  offsetof(struct vm_config, message_size_limit), 0,
	  "Largest message accepted or sent (0 = no limit).", NULL },
	{ "limits", "default_quota", K_SIZE,
	  offsetof(struct vm_config, default_quota), 0,
	  "Quota of new mailboxes (0 = no limit).  Change a single mailbox\n"
	  "with \"vmailctl user quota ADDRESS SIZE\".", NULL },
	{ "limits", "messages_per_hour", K_COUNT,
	  offsetof(struct vm_config, messages_per_hour), 0,
	  "Outgoing mail of each logged-in user, per hour: messages, and\n"
	  "recipients (a message to 10 people counts 10).  Beyond either,\n"
	  "mail is refused with 4xx until the hour is over (0 = no limit).\n"
	  "Change a single user with \"vmailctl user limit\".", NULL },
	{ "limits", "recipients_per_hour", K_COUNT,
	  offsetof(struct vm_config, recipients_per_hour), 0, NULL, NULL },
	{ "tls", "cert", K_PATH, offsetof(struct vm_config, tls_cert),
	  sizeof ((struct vm_config *)0)->tls_cert,
	  "Certificate chain and private key, PEM.  Put a real certificate\n"
	  "here (for example from Let's Encrypt); when these files do not\n"
	  "exist, setup makes a self-signed pair.", NULL },
	{ "tls", "key", K_PATH, offsetof(struct vm_config, tls_key),
	  sizeof ((struct vm_config *)0)->tls_key, NULL, NULL },
	{ "tls", "acme", K_BOOL, offsetof(struct vm_config, acme), 0,
	  "yes: get the certificate from an ACME CA (Let's Encrypt unless\n"
	  "acme_directory says otherwise) for the hostname and mta-sts. and\n"
	  "autoconfig. of every domain, and renew it; the self-signed one\n"
	  "stays until the first arrives (docs/certificates.md).", NULL },
	{ "tls", "acme_email", K_ADDRESS, offsetof(struct vm_config, acme_email),
	  sizeof ((struct vm_config *)0)->acme_email,
	  "Where the CA sends notices (empty: the admin's address).", NULL },
	{ "tls", "acme_directory", K_URL,
	  offsetof(struct vm_config, acme_directory),
	  sizeof ((struct vm_config *)0)->acme_directory,
	  "The ACME directory URL of the CA.", NULL },
	{ "paths", "database", K_PATH, offsetof(struct vm_config, database),
	  sizeof ((struct vm_config *)0)->database,
	  "The directory of domains, mailboxes and aliases (SQLite).", NULL },
	{ "paths", "mail", K_PATH, offsetof(struct vm_config, mail_root),
	  sizeof ((struct vm_config *)0)->mail_root,
	  "Where mail is kept: one Maildir per mailbox, in DOMAIN/USER/.", NULL },
	{ "spam", "engine", K_ENGINE, offsetof(struct vm_config, spam_engine), 0,
	  "Who scores incoming mail: \"rspamd\" or \"spamassassin\" (spamd,\n"
	  "asked by rspamd; install.sh --spam spamassassin installs it).\n"
	  "The thresholds below apply to that score either way.", NULL },
	{ "spam", "reject", K_SCORE, offsetof(struct vm_config, spam_reject), 0,
	  "Every incoming message gets a score; the higher, the more likely\n"
	  "spam.  At or above this score the message is refused at the end\n"
	  "of DATA (554 5.7.1) and never stored.  See docs/filtering.md.", NULL },
	{ "spam", "add_header", K_SCORE,
	  offsetof(struct vm_config, spam_add_header), 0,
	  "At or above this score the message gets \"X-Spam: Yes\" and is\n"
	  "filed into the Junk folder.", NULL },
	{ "spam", "greylist", K_SCORE,
	  offsetof(struct vm_config, spam_greylist), 0,
	  "Greylisting: a sender not seen before is told to try again later\n"
	  "(4xx); real mail servers do, most spam robots do not.  Every\n"
	  "unknown sender is greylisted, except the whitelisted ones (see\n"
	  "docs/filtering.md): they only when the message scores at least\n"
	  "this.  Logged-in users and this machine are never greylisted.", NULL },
	{ "spam", "greylisting", K_BOOL,
	  offsetof(struct vm_config, greylisting), 0,
	  "\"no\" turns greylisting off.", NULL },
	{ "spam", "greylist_delay", K_DURATION,
	  offsetof(struct vm_config, greylist_delay), 0,
	  "How long a greylisted sender must wait before its retry is\n"
	  "accepted: a number with s, m or h (30s, 5m, 1h; at most 12h).", NULL },
	{ "antivirus", "enabled", K_BOOL,
	  offsetof(struct vm_config, antivirus), 0,
	  "ClamAV scans every incoming message and attachment (archives\n"
	  "too); a virus is refused at the end of DATA (554 5.7.1), and\n"
	  "while clamd is down mail waits (4xx).  clamd needs about 1-1.5 GB\n"
	  "of RAM with the official signatures: \"no\" turns it off on small\n"
	  "machines (install.sh --no-antivirus).  See docs/filtering.md.", NULL },
	{ "dns", "dmarc_policy", K_CHOICE,
	  offsetof(struct vm_config, dmarc_policy),
	  sizeof ((struct vm_config *)0)->dmarc_policy,
	  "The DMARC policy \"vmailctl dns\" publishes for the hosted\n"
	  "domains: none, quarantine or reject.", "none|quarantine|reject" },
	{ "dns", "dmarc_rua", K_ADDRESS, offsetof(struct vm_config, dmarc_rua),
	  sizeof ((struct vm_config *)0)->dmarc_rua,
	  "Where DMARC and TLS-RPT aggregate reports go (empty: the admin's\n"
	  "address).", NULL },
	{ "dns", "tlsrpt_rua", K_ADDRESS, offsetof(struct vm_config, tlsrpt_rua),
	  sizeof ((struct vm_config *)0)->tlsrpt_rua, NULL, NULL },
	{ "dns", "blocklists", K_HOSTS, offsetof(struct vm_config, blocklists),
	  sizeof ((struct vm_config *)0)->blocklists,
	  "The DNS blocklists \"vmailctl check\" looks this server up in\n"
	  "(zones, with spaces between them; empty: none).", NULL },
	{ "mta_sts", "mode", K_CHOICE, offsetof(struct vm_config, mta_sts_mode),
	  sizeof ((struct vm_config *)0)->mta_sts_mode,
	  "The MTA-STS policy served for every domain: \"testing\" (others\n"
	  "report failures but deliver), \"enforce\" (they deliver only over\n"
	  "verified TLS) or \"none\".", "testing|enforce|none" },
	{ "mta_sts", "max_age", K_DAYS,
	  offsetof(struct vm_config, mta_sts_max_age), 0,
	  "How long senders may cache the policy (7d, 2w, 6 months).", NULL },
	{ "dkim", "rotate", K_DAYS, offsetof(struct vm_config, dkim_rotate), 0,
	  "Rotate every domain's DKIM key this often (6 months; \"no\": only\n"
	  "by hand).  The new key is published first and used once DNS shows\n"
	  "it (docs/dns.md).", "no" },
	/* ---- issue 8, dns: the CA named in the CAA record ---- */
	{ "caa", "issuer", K_DOMAIN, offsetof(struct vm_config, caa_issuer),
	  sizeof ((struct vm_config *)0)->caa_issuer,
	  "The CA's domain in the CAA record \"vmailctl dns\" prints (the one\n"
	  "the CA documents, e.g. sectigo.com for ZeroSSL).  Empty: taken\n"
	  "from [tls] acme_directory - letsencrypt.org for Let's Encrypt.\n"
	  "Set it when another CA issues the certificate (docs/dns.md).", NULL },
};

static const char FILE_HEADER[] =
	"# vmail.conf - settings of this mail server, read by vmailctl(8).\n"
	"#\n"
	"# \"vmailctl setup\" wrote this file and reads it on every run; from\n"
	"# now on it changes only the values its options change, and adds the\n"
	"# keys a newer version brings, keeping your comments and order.\n"
	"# After editing it, run \"vmailctl setup\" again to apply the change.\n"
	"# Unknown sections and keys are errors, so a typo cannot pass\n"
	"# unnoticed.  Sizes take the binary units K, M, G and T (50M, 2G).\n";

static const char *const engine_names[] = {
	[VM_SPAM_RSPAMD] = "rspamd",
	[VM_SPAM_SPAMASSASSIN] = "spamassassin",
};

const char *config_spam_engine_name(enum vm_spam_engine engine)
{
	if ((size_t)engine >= sizeof engine_names / sizeof engine_names[0])
		return "?";
	return engine_names[engine];
}

bool config_parse_spam_engine(const char *name, enum vm_spam_engine *out)
{
	for (size_t i = 0; i < sizeof engine_names / sizeof engine_names[0];
	     i++) {
		if (!strcmp(name, engine_names[i])) {
			*out = (enum vm_spam_engine)i;
			return true;
		}
	}
	return false;
}

void config_defaults(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->message_size_limit = DEFAULT_MESSAGE_SIZE_LIMIT;
	cfg->default_quota = DEFAULT_QUOTA;
	cfg->messages_per_hour = DEFAULT_MESSAGES_PER_HOUR;
	cfg->recipients_per_hour = DEFAULT_RECIPIENTS_PER_HOUR;
	vm_strlcpy(cfg->tls_cert, DEFAULT_TLS_CERT, sizeof cfg->tls_cert);
	vm_strlcpy(cfg->tls_key, DEFAULT_TLS_KEY, sizeof cfg->tls_key);
	vm_strlcpy(cfg->database, VMAIL_DB_PATH, sizeof cfg->database);
	vm_strlcpy(cfg->mail_root, DEFAULT_MAIL_ROOT, sizeof cfg->mail_root);
	cfg->spam_engine = VM_SPAM_RSPAMD;
	cfg->spam_reject = DEFAULT_SPAM_REJECT;
	cfg->spam_add_header = DEFAULT_SPAM_ADD_HEADER;
	cfg->spam_greylist = DEFAULT_SPAM_GREYLIST;
	cfg->greylisting = true;
	cfg->greylist_delay = DEFAULT_GREYLIST_DELAY;
	cfg->antivirus = true;
	vm_strlcpy(cfg->role, "primary", sizeof cfg->role);
	vm_strlcpy(cfg->acme_directory, DEFAULT_ACME_DIRECTORY,
		   sizeof cfg->acme_directory);
	vm_strlcpy(cfg->dmarc_policy, "quarantine", sizeof cfg->dmarc_policy);
	vm_strlcpy(cfg->blocklists, DEFAULT_BLOCKLISTS, sizeof cfg->blocklists);
	vm_strlcpy(cfg->mta_sts_mode, "testing", sizeof cfg->mta_sts_mode);
	cfg->mta_sts_max_age = DEFAULT_MTA_STS_MAX_AGE;
	cfg->dkim_rotate = 0;
}

/* ---- parsing -------------------------------------------------------- */

struct parse {
	struct vm_config *cfg;
	const char *pos;           /* next unread character of the text */
	int line;                  /* number of the line last read */
	int err_line;              /* first error found by us, 0 if none */
	char reason[512];
	int seen[NSETTINGS];       /* line where each key was set, or 0 */
	struct config_where *where;   /* if asked: lines and raw values */
};

_Static_assert(NSETTINGS <= CONFIG_SETTINGS_MAX,
	       "raise CONFIG_SETTINGS_MAX in config_internal.h");

static void parse_error(struct parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void parse_error(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line)
		return;   /* keep the first error */
	p->err_line = p->line;
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof p->reason, fmt, ap);
	va_end(ap);
}

/*
 * inih's line reader: copy the next line (with its newline) into str.
 * A line of more than num-2 characters besides its newline (so that it
 * fits in num-1 bytes with one) is an error; its remainder is skipped
 * so the line count stays right.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	size_t max = (size_t)num - 1, n = 0;
	bool long_line;

	if (*p->pos == '\0')
		return NULL;
	p->line++;
	while (p->pos[n] && p->pos[n] != '\n')
		n++;
	/* The same limit whether or not the line has its '\n' (the last
	 * may not): a '\n' added later must not make it too long. */
	long_line = n > max - 1;
	if (p->pos[n] == '\n')
		n++;
	if (long_line) {
		parse_error(p, "line longer than %zu characters", max - 1);
		memcpy(str, "\n", 2);
	} else {
		memcpy(str, p->pos, n);
		str[n] = '\0';
	}
	p->pos += n;
	return str;
}

static const struct setting *find_setting(const char *section,
					  const char *key, bool *section_known)
{
	*section_known = false;
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (strcmp(settings[i].section, section))
			continue;
		*section_known = true;
		if (!strcmp(settings[i].key, key))
			return &settings[i];
	}
	return NULL;
}

/* The section a key belongs to, for a key found in another; NULL if
 * the key is nowhere. */
static const char *section_of_key(const char *key)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (!strcmp(settings[i].key, key))
			return settings[i].section;
	return NULL;
}

static bool valid_path(const char *v, char *why, size_t whylen)
{
	if (v[0] != '/') {
		vm_snprintf(why, whylen, "not an absolute path");
		return false;
	}
	for (const char *c = v; *c; c++) {
		if ((unsigned char)*c <= ' ' || *c == 0x7f) {
			vm_snprintf(why, whylen, "white space or control "
				    "characters are not allowed in a path");
			return false;
		}
	}
	return true;
}

/* "15", "6.5", "6.25" -> 1500, 650, 625.  Nothing else: no sign, no
 * exponent, no third decimal, no white space. */
static bool parse_score(const char *v, int32_t *out, char *why,
			size_t whylen)
{
	int32_t n = 0, frac = 0, scale = 100;
	const char *c = v;

	if (!(*c >= '0' && *c <= '9'))
		goto bad;
	for (; *c >= '0' && *c <= '9'; c++) {
		n = n * 10 + (*c - '0');
		if (n > MAX_SPAM_SCORE / 100)
			goto range;
	}
	if (*c == '.') {
		c++;
		if (!(*c >= '0' && *c <= '9'))
			goto bad;
		for (; *c >= '0' && *c <= '9'; c++) {
			if (scale == 1)
				goto bad;
			scale /= 10;
			frac += (*c - '0') * scale;
		}
	}
	if (*c)
		goto bad;
	n = n * 100 + frac;
	if (n == 0 || n > MAX_SPAM_SCORE)
		goto range;
	*out = n;
	return true;
bad:
	vm_snprintf(why, whylen, "not a score (a number like 6 or 6.5, with "
		    "at most two decimals)");
	return false;
range:
	vm_snprintf(why, whylen, "a score must be greater than 0 and at "
		    "most 1000");
	return false;
}

bool config_parse_count(const char *v, uint32_t *out, char *why,
			size_t whylen)
{
	uint32_t n = 0;
	const char *c = v;

	if (!*c)
		goto bad;
	for (; *c; c++) {
		if (!(*c >= '0' && *c <= '9'))
			goto bad;
		n = n * 10 + (uint32_t)(*c - '0');
		if (n > VM_SEND_LIMIT_MAX) {
			vm_snprintf(why, whylen, "at most %d (0 = no limit)",
				    VM_SEND_LIMIT_MAX);
			return false;
		}
	}
	*out = n;
	return true;
bad:
	vm_snprintf(why, whylen, "not a whole number (0 = no limit)");
	return false;
}

static bool parse_bool(const char *v, bool *out, char *why, size_t whylen)
{
	if (!strcmp(v, "yes") || !strcmp(v, "no")) {
		*out = !strcmp(v, "yes");
		return true;
	}
	vm_snprintf(why, whylen, "must be yes or no");
	return false;
}

/* "30s", "5m", "1h" -> 30, 300, 3600.  Digits and one unit, nothing
 * else; 1 second to 12 hours. */
static bool parse_duration(const char *v, uint32_t *out, char *why,
			   size_t whylen)
{
	uint32_t n = 0, unit;
	const char *c = v;

	if (!(*c >= '0' && *c <= '9'))
		goto bad;
	for (; *c >= '0' && *c <= '9'; c++) {
		n = n * 10 + (uint32_t)(*c - '0');
		if (n > MAX_DURATION)
			goto range;
	}
	switch (*c) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	default: goto bad;
	}
	if (c[1])
		goto bad;
	n *= unit;
	if (n == 0 || n > MAX_DURATION)
		goto range;
	*out = n;
	return true;
bad:
	vm_snprintf(why, whylen, "not a duration (a number with s, m or h, "
		    "like 30s, 5m or 1h)");
	return false;
range:
	vm_snprintf(why, whylen, "must be at least 1s and at most 12h");
	return false;
}

/* A duration as its largest exact unit, so it parses back unchanged. */
static void format_duration(uint32_t n, char *buf, size_t len)
{
	if (n % 3600 == 0)
		snprintf(buf, len, "%" PRIu32 "h", n / 3600);
	else if (n % 60 == 0)
		snprintf(buf, len, "%" PRIu32 "m", n / 60);
	else
		snprintf(buf, len, "%" PRIu32 "s", n);
}

void config_format_score(int32_t score, char *buf, size_t len)
{
	int32_t whole = score / 100, frac = score % 100;

	if (frac == 0)
		snprintf(buf, len, "%" PRId32, whole);
	else if (frac % 10 == 0)
		snprintf(buf, len, "%" PRId32 ".%" PRId32, whole, frac / 10);
	else
		snprintf(buf, len, "%" PRId32 ".%02" PRId32, whole, frac);
}

/* Is word one of choices ("a|b|c")? */
static bool in_choices(const char *word, const char *choices)
{
	size_t n = strlen(word);

	for (const char *c = choices; *c;) {
		const char *bar = strchr(c, '|');
		size_t len = bar ? (size_t)(bar - c) : strlen(c);

		if (n && len == n && !strncmp(c, word, n))
			return true;
		c += len + (bar ? 1 : 0);
	}
	return false;
}

/* "7d", "2w", "6 months", "1y" (also "7 days", "2 weeks", "1 year") ->
 * seconds; a month counts 30 days, a year 365.  1 day to MAX_DAYS days;
 * "no" = 0 where allow_no. */
static bool parse_days(const char *v, bool allow_no, uint32_t *out,
		       char *why, size_t whylen)
{
	static const struct { const char *name; uint32_t days; } units[] = {
		{ "d", 1 }, { "day", 1 }, { "days", 1 },
		{ "w", 7 }, { "week", 7 }, { "weeks", 7 },
		{ "month", 30 }, { "months", 30 },
		{ "y", 365 }, { "year", 365 }, { "years", 365 },
	};
	uint32_t n = 0;
	const char *c = v;

	if (allow_no && !strcmp(v, "no")) {
		*out = 0;
		return true;
	}
	if (!(*c >= '0' && *c <= '9'))
		goto bad;
	for (; *c >= '0' && *c <= '9'; c++) {
		n = n * 10 + (uint32_t)(*c - '0');
		if (n > MAX_DAYS)
			goto range;
	}
	if (*c == ' ')
		c++;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(c, units[i].name))
			continue;
		n *= units[i].days;
		if (n == 0 || n > MAX_DAYS)
			goto range;
		*out = n * DAY;
		return true;
	}
bad:
	vm_snprintf(why, whylen, "not a period (a number with d, w, months "
		    "or y, like 7d, 2w, 6 months or 1y%s)",
		    allow_no ? "; or no" : "");
	return false;
range:
	vm_snprintf(why, whylen, "must be at least 1 day and at most %d "
		    "days", MAX_DAYS);
	return false;
}

static void format_days(uint32_t n, char *buf, size_t len)
{
	uint32_t d = n / DAY;

	if (d == 0)
		snprintf(buf, len, "no");
	else if (d % 365 == 0)
		snprintf(buf, len, "%" PRIu32 "y", d / 365);
	else if (d % 30 == 0)
		snprintf(buf, len, "%" PRIu32 " months", d / 30);
	else if (d % 7 == 0)
		snprintf(buf, len, "%" PRIu32 "w", d / 7);
	else
		snprintf(buf, len, "%" PRIu32 "d", d);
}

/* An https:// URL of printable ASCII without spaces, quotes, '\' or
 * '#', ';' (which would start a comment). */
static bool parse_url(const char *v, char *why, size_t whylen)
{
	if (strncmp(v, "https://", 8) || !v[8])
		goto bad;
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c <= ' ' || *c >= 0x7f || strchr("\"'\\#;<>`", *c))
			goto bad;
	return true;
bad:
	vm_snprintf(why, whylen, "not an https:// URL");
	return false;
}

/* Domain names separated by single spaces (lower-cased in place). */
static bool parse_hosts(char *v, char *why, size_t whylen)
{
	char one[256], reason[200];

	vm_ascii_lower(v);
	for (char *c = v; *c;) {
		size_t len = strcspn(c, " ");

		if (len == 0 || len >= sizeof one) {
			vm_snprintf(why, whylen, "not a list of host names "
				    "with single spaces between them");
			return false;
		}
		memcpy(one, c, len);
		one[len] = '\0';
		if (!valid_domain(one, reason, sizeof reason)) {
			vm_snprintf(why, whylen, "%s: %s", one, reason);
			return false;
		}
		c += len;
		if (*c == ' ' && !*++c) {
			vm_snprintf(why, whylen, "a space at the end");
			return false;
		}
	}
	return true;
}

static bool parse_ip(const char *v, int af, char *why, size_t whylen)
{
	unsigned char addr[16];
	char back[INET6_ADDRSTRLEN];

	if (inet_pton(af, v, addr) == 1 &&
	    inet_ntop(af, addr, back, sizeof back) && !strcmp(back, v))
		return true;
	vm_snprintf(why, whylen, "not an %s address%s",
		    af == AF_INET ? "IPv4" : "IPv6",
		    af == AF_INET6 ? " (in its shortest form, lower case)" : "");
	return false;
}

/* Check value for setting s and store it in the config. */
static bool store_value(struct parse *p, const struct setting *s,
			const char *value)
{
	char *field = (char *)p->cfg + s->offset;
	char buf[4096], why[256] = "";
	bool ok = true;

	if (strlen(value) > VM_CONF_VALUE_MAX ||
	    !vm_strlcpy(buf, value, sizeof buf) ||
	    (s->size && strlen(buf) >= s->size)) {
		parse_error(p, "%s: value longer than %d characters", s->key,
			    VM_CONF_VALUE_MAX);
		return false;
	}
	switch (s->kind) {
	case K_DOMAIN:
		vm_ascii_lower(buf);
		ok = !*buf || valid_domain(buf, why, sizeof why);
		break;
	case K_ADDRESS:
		vm_ascii_lower(buf);
		ok = !*buf || valid_address(buf, why, sizeof why);
		break;
	case K_PATH:
		ok = valid_path(buf, why, sizeof why);
		break;
	case K_SIZE: {
		uint64_t n;

		ok = parse_size(buf, &n, why, sizeof why);
		if (ok)
			memcpy(field, &n, sizeof n);
		break;
	}
	case K_COUNT: {
		uint32_t n;

		ok = config_parse_count(buf, &n, why, sizeof why);
		if (ok)
			memcpy(field, &n, sizeof n);
		break;
	}
	case K_SCORE: {
		int32_t n;

		ok = parse_score(buf, &n, why, sizeof why);
		if (ok)
			memcpy(field, &n, sizeof n);
		break;
	}
	case K_BOOL: {
		bool b;

		ok = parse_bool(buf, &b, why, sizeof why);
		if (ok)
			memcpy(field, &b, sizeof b);
		break;
	}
	case K_DURATION: {
		uint32_t n;

		ok = parse_duration(buf, &n, why, sizeof why);
		if (ok)
			memcpy(field, &n, sizeof n);
		break;
	}
	case K_ENGINE: {
		enum vm_spam_engine e;

		ok = config_parse_spam_engine(buf, &e);
		if (ok)
			memcpy(field, &e, sizeof e);
		else
			vm_snprintf(why, sizeof why, "must be rspamd or "
				    "spamassassin");
		break;
	}
	case K_CHOICE:
		ok = in_choices(buf, s->choices);
		if (!ok) {
			vm_snprintf(why, sizeof why, "must be one of: %s",
				    s->choices);
			for (char *c = why; *c; c++)
				if (*c == '|')
					*c = ' ';
		}
		break;
	case K_DAYS: {
		uint32_t n;

		ok = parse_days(buf, s->choices && !strcmp(s->choices, "no"),
				&n, why, sizeof why);
		if (ok)
			memcpy(field, &n, sizeof n);
		break;
	}
	case K_URL:
		ok = !*buf || parse_url(buf, why, sizeof why);
		break;
	case K_HOSTS:
		ok = parse_hosts(buf, why, sizeof why);
		break;
	case K_IPV4:
		ok = !*buf || parse_ip(buf, AF_INET, why, sizeof why);
		break;
	case K_IPV6:
		vm_ascii_lower(buf);
		ok = !*buf || parse_ip(buf, AF_INET6, why, sizeof why);
		break;
	}
	if (!ok) {
		parse_error(p, "%s: %s", s->key, why);
		return false;
	}
	if (s->size)
		memcpy(field, buf, strlen(buf) + 1);
	return true;
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct parse *p = user;
	const struct setting *s;
	bool section_known;
	size_t i;

	if (!*section) {
		parse_error(p, "'%s' is outside a section (like [server])", key);
		return 0;
	}
	s = find_setting(section, key, &section_known);
	if (!section_known) {
		parse_error(p, "unknown section [%s]", section);
		return 0;
	}
	if (!s) {
		const char *home = section_of_key(key);

		if (home)
			parse_error(p, "'%s' belongs in [%s], not in [%s]", key,
				    home, section);
		else
			parse_error(p, "unknown key '%s' in [%s]", key, section);
		return 0;
	}
	i = (size_t)(s - settings);
	if (p->seen[i]) {
		parse_error(p, "'%s' is set twice (first on line %d; an "
			    "indented line continues the one above)", key,
			    p->seen[i]);
		return 0;
	}
	p->seen[i] = p->line;
	if (p->where) {
		p->where->line[i] = p->line;
		vm_strlcpy(p->where->value[i], value,
			   sizeof p->where->value[i]);
	}
	return store_value(p, s, value) ? 1 : 0;
}

/* The thresholds must rise: greylist < add_header < reject.  Returns 0,
 * or the line of the [spam] key that breaks the order (the last line
 * of the file when the defaults clash with what was set). */
static int check_spam_order(const struct parse *p, char *reason,
			    size_t reasonlen)
{
	const struct vm_config *c = p->cfg;
	char a[16], b[16], r[16];
	int line = 0;

	if (c->spam_greylist < c->spam_add_header &&
	    c->spam_add_header < c->spam_reject)
		return 0;
	for (size_t i = 0; i < NSETTINGS; i++)
		if (settings[i].kind == K_SCORE && p->seen[i] > line)
			line = p->seen[i];
	config_format_score(c->spam_greylist, a, sizeof a);
	config_format_score(c->spam_add_header, b, sizeof b);
	config_format_score(c->spam_reject, r, sizeof r);
	vm_snprintf(reason, reasonlen, "[spam] scores must rise: greylist (%s) "
		    "< add_header (%s) < reject (%s)", a, b, r);
	return line ? line : (p->line ? p->line : 1);
}

/* Parse text into cfg (over the defaults). Returns 0 if fine, else the
 * line of the first error, with the reason in reason. */
static int parse_text(const char *text, struct vm_config *cfg,
		      struct config_where *where, char *reason,
		      size_t reasonlen)
{
	struct parse p = { .cfg = cfg, .pos = text, .where = where };
	int rc;

	if (where)
		memset(where, 0, sizeof *where);

	config_defaults(cfg);
	rc = ini_parse_stream(read_line, &p, handler, &p);
	if (rc < 0) {
		vm_snprintf(reason, reasonlen, "out of memory");
		return 1;
	}
	if (p.err_line && (rc == 0 || p.err_line <= rc)) {
		vm_strlcpy(reason, p.reason, reasonlen);
		return p.err_line;
	}
	if (rc > 0) {
		vm_snprintf(reason, reasonlen, "syntax error (expected "
			    "\"[section]\" or \"key = value\")");
		return rc;
	}
	return check_spam_order(&p, reason, reasonlen);
}

bool config_parse(const char *text, struct vm_config *cfg,
		  char *err, size_t errlen)
{
	char reason[512];
	int line = parse_text(text, cfg, NULL, reason, sizeof reason);

	if (line == 0)
		return true;
	if (err && errlen)
		snprintf(err, errlen, "line %d: %s", line, reason);
	return false;
}

bool config_load(const char *path, struct vm_config *cfg, bool *found)
{
	char reason[512];
	char *text;
	int line;

	config_defaults(cfg);
	if (found)
		*found = false;
	text = vm_read_file(path, NULL);
	if (!text) {
		if (errno == ENOENT)
			return true;
		vm_errno("cannot read %s", path);
		return false;
	}
	if (found)
		*found = true;
	line = parse_text(text, cfg, NULL, reason, sizeof reason);
	free(text);
	if (line) {
		vm_err("%s:%d: %s", path, line, reason);
		return false;
	}
	return true;
}

/* ---- writing -------------------------------------------------------- */

/* A size as the largest exact unit, so it parses back unchanged. */
static void format_size(uint64_t n, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int i = -1;

	while (n != 0 && i < 3 && n % 1024 == 0) {
		n /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%" PRIu64, n);
	else
		snprintf(buf, len, "%" PRIu64 "%c", n, units[i]);
}

void config_put_comment(struct vm_buf *b, const char *help, const char *eol)
{
	while (*help) {
		size_t n = strcspn(help, "\n");

		vm_buf_printf(b, "# %.*s%s", (int)n, help, eol);
		help += n;
		if (*help == '\n')
			help++;
	}
}

/* The value of setting s in cfg as the file spells it: the field itself
 * for strings, else written into buf (>= 32 bytes). */
static const char *format_value(const struct setting *s,
				const struct vm_config *cfg, char *buf,
				size_t len)
{
	const char *field = (const char *)cfg + s->offset;

	switch (s->kind) {
	case K_SIZE: {
		uint64_t n;

		memcpy(&n, field, sizeof n);
		format_size(n, buf, len);
		return buf;
	}
	case K_COUNT: {
		uint32_t n;

		memcpy(&n, field, sizeof n);
		snprintf(buf, len, "%" PRIu32, n);
		return buf;
	}
	case K_SCORE: {
		int32_t n;

		memcpy(&n, field, sizeof n);
		config_format_score(n, buf, len);
		return buf;
	}
	case K_BOOL: {
		bool b;

		memcpy(&b, field, sizeof b);
		return b ? "yes" : "no";
	}
	case K_DURATION: {
		uint32_t n;

		memcpy(&n, field, sizeof n);
		format_duration(n, buf, len);
		return buf;
	}
	case K_ENGINE: {
		enum vm_spam_engine e;

		memcpy(&e, field, sizeof e);
		return config_spam_engine_name(e);
	}
	case K_DAYS: {
		uint32_t n;

		memcpy(&n, field, sizeof n);
		format_days(n, buf, len);
		return buf;
	}
	case K_CHOICE:
	case K_URL:
	case K_HOSTS:
	case K_IPV4:
	case K_IPV6:
	case K_DOMAIN:
	case K_ADDRESS:
	case K_PATH:
		break;
	}
	return field;
}

char *config_format(const struct vm_config *cfg)
{
	struct vm_buf b = VM_BUF_INIT;
	const char *section = "";
	bool too_long = false;
	char *text;

	vm_buf_puts(&b, FILE_HEADER);
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		char buf[32];
		const char *value = format_value(s, cfg, buf, sizeof buf);

		if (strcmp(s->section, section)) {
			section = s->section;
			vm_buf_printf(&b, "\n[%s]\n", section);
		} else if (s->help) {
			vm_buf_puts(&b, "\n");   /* between commented keys */
		}
		if (s->help)
			config_put_comment(&b, s->help, "\n");
		if (strlen(value) > VM_CONF_VALUE_MAX)
			too_long = true;
		vm_buf_printf(&b, "%s = %s\n", s->key, value);
	}
	text = vm_buf_take(&b, NULL);
	if (text && too_long) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---- for the in-place editor (config_internal.h) -------------------- */

size_t config_settings(void)
{
	return NSETTINGS;
}

const char *config_setting_section(size_t i)
{
	return settings[i].section;
}

const char *config_setting_key(size_t i)
{
	return settings[i].key;
}

const char *config_setting_help(size_t i)
{
	return settings[i].help;
}

const char *config_setting_value(size_t i, const struct vm_config *cfg,
				 char *buf, size_t len)
{
	return format_value(&settings[i], cfg, buf, len);
}

int config_parse_where(const char *text, struct vm_config *cfg,
		       struct config_where *where, char *reason,
		       size_t reasonlen)
{
	return parse_text(text, cfg, where, reason, reasonlen);
}

/* ---- locations ------------------------------------------------------ */

const char *config_path(void)
{
	const char *env = getenv("VMAIL_CONF");

	return env && *env ? env : VMAIL_CONF_PATH;
}

const char *config_templates_dir(void)
{
	const char *env = getenv("VMAIL_TEMPLATES");

	return env && *env ? env : VMAIL_DATADIR "/templates";
}
