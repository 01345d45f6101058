/*
 * tlsrpt.h - SMTP TLS reports (RFC 8460): what other servers saw when
 * they tried to deliver here over TLS, as they mail it to the address of
 * the _smtp._tls record.  Used by "vmailctl check tls", which reads the
 * reports from the rua mailbox's Maildir and sums up the failures.
 *
 *	tlsrpt_attachments(msg, len, on_report, ctx);    each report of a
 *	    message (application/tlsrpt+json or +gzip, base64 or not),
 *	    gunzipped, handed to on_report(json, len, ctx)
 *	tlsrpt_parse(json, len, &rep, why, sizeof why); ... tlsrpt_free(&rep);
 *
 * Everything here reads mail from outside: the parsers are pure (bytes
 * in, no files) for the unit tests and tests/fuzz/fuzz_tlsrpt.c, and
 * bounded (TLSRPT_MAX_JSON bytes after gunzip, TLSRPT_MAX_FAILURES
 * failure details).
 */
#ifndef VMAIL_TLSRPT_H
#define VMAIL_TLSRPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TLSRPT_MAX_JSON (4u << 20)
#define TLSRPT_MAX_FAILURES 256

/* The failed sessions of one result type at one MX (failure-details). */
struct tlsrpt_failure {
	char type[64];          /* result-type: "certificate-expired", ... */
	char mx[256];           /* receiving-mx-hostname ("" if not given) */
	uint64_t sessions;      /* failed-session-count */
};

struct tlsrpt_report {
	char org[128];          /* organization-name */
	char id[128];           /* report-id */
	time_t start, end;      /* date-range */
	uint64_t ok_sessions;   /* total-successful-session-count, summed */
	uint64_t failed_sessions;       /* total-failure-session-count */
	struct tlsrpt_failure *fail;
	size_t nfail;
};

/*
 * Parse one report (JSON text json[len]) into *r.  False with the reason
 * in why when it is not a report: not JSON, no organization-name,
 * date-range or policies, counts that are not non-negative integers.
 * Names are made printable ('?' for control characters).  Free with
 * tlsrpt_free() (also after false).
 */
bool tlsrpt_parse(const char *json, size_t len, struct tlsrpt_report *r,
		  char *why, size_t whylen);
void tlsrpt_free(struct tlsrpt_report *r);

/* "2026-12-01T00:00:00Z" (RFC 3339, UTC or with an offset) into *t. */
bool tlsrpt_parse_time(const char *s, time_t *t);

/*
 * gunzip data[len] (a gzip stream) into a malloc'd *out (*outlen bytes,
 * NUL-terminated); false if it is not gzip, is damaged, or would exceed
 * max bytes.
 */
bool tlsrpt_gunzip(const unsigned char *data, size_t len, size_t max,
		   char **out, size_t *outlen);

/*
 * Find the reports attached to the mail message msg[len]: every MIME
 * part (or the whole body) whose Content-Type is application/tlsrpt+json
 * or application/tlsrpt+gzip, decoded (base64 or as is) and gunzipped,
 * is handed to on_report.  Returns how many were handed over; parts that
 * do not decode are skipped.
 */
typedef void tlsrpt_report_cb(const char *json, size_t len, void *ctx);
int tlsrpt_attachments(const char *msg, size_t len, tlsrpt_report_cb *on_report,
		       void *ctx);

#endif
