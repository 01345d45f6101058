/*
 * config.h - /etc/vmail/vmail.conf, the administrator's settings (INI,
 * parsed with libinih).
 *
 *   [server]
 *   hostname = mail.example.com     ; FQDN of this server (HELO, cert CN)
 *   domain = example.com            ; first hosted domain
 *   admin = admin@example.com       ; administrator's mailbox
 *
 *   [limits]
 *   message_size_limit = 50M        ; largest message accepted
 *   default_quota = 2G              ; quota for new mailboxes (0 = none)
 *   messages_per_hour = 200         ; what one logged-in user may send
 *   recipients_per_hour = 1000      ; (0 = no limit; see docs/filtering.md)
 *
 *   [tls]
 *   cert = /etc/vmail/tls/cert.pem  ; PEM chain; setup makes a
 *   key = /etc/vmail/tls/key.pem    ; self-signed pair when missing
 *
 *   [paths]
 *   database = /var/lib/vmail/vmail.db
 *   mail = /var/vmail
 *
 *   [spam]                          ; the actions, by score
 *   engine = rspamd                 ; who scores: rspamd or spamassassin
 *   reject = 15                     ; 5.7.1 at the end of DATA
 *   add_header = 6                  ; "X-Spam: Yes", filed into Junk
 *   greylist = 4                    ; 4xx "try again later"
 *   greylisting = yes               ; no = never greylist
 *   greylist_delay = 5m             ; retry accepted after (30s, 5m, 1h)
 *
 *   [antivirus]
 *   enabled = yes                   ; ClamAV (clamd) scans incoming mail;
 *                                   ; no = off (saves ~1-1.5 GB of RAM)
 *
 *   [server] also: role = primary (or backup-mx), primary = HOST (the
 *   backup's primary), backup_mx = HOST ... (the primary's backups),
 *   ipv4 =, ipv6 = (public addresses; empty = found out at run time)
 *   [tls] also: acme = no, acme_email =, acme_directory = URL
 *   [dns] dmarc_policy = quarantine, dmarc_rua =, tlsrpt_rua =,
 *         blocklists = zen.spamhaus.org
 *   [mta_sts] mode = testing (enforce, none), max_age = 7d
 *   [dkim] rotate = no (or a period: 6 months)
 *   [caa] issuer = (the CA's CAA domain; empty = from acme_directory)
 *
 * Unknown sections or keys are an error (typos must not be silently
 * ignored).  Missing keys take the defaults shown above, except that
 * hostname, domain and admin default to "" (not set yet; setup requires
 * the first two and uses admin@DOMAIN for an empty admin).  Host and
 * address values are lower-cased; sizes as in size.h; paths must be
 * absolute, without white space.  Hourly limits are whole numbers from 0
 * (no limit) to VM_SEND_LIMIT_MAX.  Scores are decimal numbers with at
 * most two decimals, 0 < score <= 1000, and must rise strictly from
 * greylist to add_header to reject; booleans are "yes" or "no"; durations
 * are a number with s, m or h, from 1s to 12h; the engine is "rspamd"
 * or "spamassassin" (spamd scores, through rspamd).
 */
#ifndef VMAIL_CONFIG_H
#define VMAIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMAIL_CONF_PATH "/etc/vmail/vmail.conf"
#define VMAIL_DB_PATH "/var/lib/vmail/vmail.db"
/* Longest value accepted in the file (libinih reads lines of at most
 * 200 bytes); longer values are refused by config_parse/config_load and
 * make config_format fail. */
#define VM_CONF_VALUE_MAX 160
/* Largest hourly sending limit (messages or recipients), in vmail.conf
 * and per user ("vmailctl user limit"); 0 means no limit. */
#define VM_SEND_LIMIT_MAX 1000000

/* Who scores incoming mail ([spam] engine).  rspamd is the milter
 * either way; with SPAMASSASSIN it asks spamd and counts only its
 * score (docs/filtering.md). */
enum vm_spam_engine {
	VM_SPAM_RSPAMD,
	VM_SPAM_SPAMASSASSIN,
};

struct vm_config {
	char hostname[254];
	char domain[254];
	char admin[320];
	uint64_t message_size_limit;  /* bytes */
	uint64_t default_quota;       /* bytes, 0 = unlimited */
	uint32_t messages_per_hour;   /* per logged-in user, 0 = no limit */
	uint32_t recipients_per_hour; /* likewise */
	char tls_cert[4096];
	char tls_key[4096];
	char database[4096];
	char mail_root[4096];
	enum vm_spam_engine spam_engine;
	/* Spam scores in hundredths (6.5 -> 650), so they round-trip. */
	int32_t spam_reject;
	int32_t spam_add_header;
	int32_t spam_greylist;
	bool greylisting;
	uint32_t greylist_delay;      /* seconds a new sender must wait */
	bool antivirus;               /* ClamAV through rspamd */
	/* [server] role and its partners (backup MX, docs/dns.md) */
	char role[16];                /* "primary" or "backup-mx" */
	char primary[254];            /* backup-mx: the primary's host name */
	char backup_mx[VM_CONF_VALUE_MAX + 1];  /* primary: "HOST HOST" */
	char ipv4[16];                /* public addresses; "" = find out */
	char ipv6[46];
	/* [tls] ACME */
	bool acme;
	char acme_email[320];         /* "" = the admin's address */
	char acme_directory[VM_CONF_VALUE_MAX + 1];
	/* [dns] what "vmailctl dns" publishes and "check" looks at */
	char dmarc_policy[16];        /* none, quarantine, reject */
	char dmarc_rua[320];          /* "" = the admin's address */
	char tlsrpt_rua[320];         /* "" = dmarc_rua */
	char blocklists[VM_CONF_VALUE_MAX + 1];  /* "ZONE ZONE", "" = none */
	/* [mta_sts] */
	char mta_sts_mode[16];        /* testing, enforce, none */
	uint32_t mta_sts_max_age;     /* seconds */
	/* [dkim] */
	uint32_t dkim_rotate;         /* seconds between rotations, 0 = by hand */
	/* [caa] (issue 8, dns) */
	char caa_issuer[254];         /* CAA issue domain; "" = from ACME */
};

/* A spam score (hundredths) as the shortest decimal that parses back to
 * it: 1500 -> "15", 650 -> "6.5", 625 -> "6.25".  buf >= 16 bytes. */
void config_format_score(int32_t score, char *buf, size_t len);

/* An hourly sending limit: "0" .. VM_SEND_LIMIT_MAX, digits only (the
 * [limits] *_per_hour keys; "vmailctl user limit" uses it too).  False
 * with the reason in why. */
bool config_parse_count(const char *v, uint32_t *out, char *why,
			size_t whylen);

/* "rspamd" / "spamassassin", and back: false for anything else
 * (exact, lower case). */
const char *config_spam_engine_name(enum vm_spam_engine engine);
bool config_parse_spam_engine(const char *name, enum vm_spam_engine *out);

/* Fill cfg with the defaults. */
void config_defaults(struct vm_config *cfg);

/* Load path over the defaults (config_load and config_parse both reset
 * cfg to the defaults first). A missing file is not an error (returns
 * true, *found=false). Parse or validation errors print "path:line: ..."
 * and return false. */
bool config_load(const char *path, struct vm_config *cfg, bool *found);

/* Parse from a memory buffer (for tests and fuzzing). */
bool config_parse(const char *text, struct vm_config *cfg,
		  char *err, size_t errlen);

/* Serialise cfg as the INI text above (with comments), for a new file;
 * an existing one is changed in place with config_edit() (config_edit.h).
 * malloc'd; NULL if out of memory or a value is longer than
 * VM_CONF_VALUE_MAX. */
char *config_format(const struct vm_config *cfg);

/* Path of the config file: $VMAIL_CONF if set, else VMAIL_CONF_PATH. */
const char *config_path(void);
/* Directory of the shipped templates: $VMAIL_TEMPLATES if set, else
 * VMAIL_DATADIR "/templates" (set at build time). */
const char *config_templates_dir(void);

#endif
