/*
 * tlsrpt.c - SMTP TLS reports (RFC 8460): the report JSON (json-c), the
 * gzip layer (zlib) and the MIME parts they come in (see tlsrpt.h).
 *
 * The MIME reader is deliberately lenient and small: it reads the
 * message's header block, and the header block after every line that
 * starts with "--" (a boundary, of whatever multipart level), and takes
 * the body of a report part up to the next such line.  Base64 bodies
 * never contain '-', so a report cannot be cut short by its own content.
 */
#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "lib/diag.h"
#include "lib/tlsrpt.h"

/* ---- the report ----------------------------------------------------- */

void tlsrpt_free(struct tlsrpt_report *r)
{
	free(r->fail);
	r->fail = NULL;
	r->nfail = 0;
}

bool tlsrpt_parse_time(const char *s, time_t *t)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, n = 0, oh, om;
	const char *p;
	long off = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
		   &n) != 6 || n != 19)
		return false;
	p = s + n;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') &&
		   sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 && strlen(p) == 6) {
		off = (oh * 60L + om) * 60L * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return false;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || y < 1970 || y > 9999)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = timegm(&tm) - off;
	return true;
}

/* A string member of o, made printable, into out; false if absent or
 * not a string. */
static bool get_str(struct json_object *o, const char *key, char *out,
		    size_t size)
{
	struct json_object *v;
	const char *s;
	size_t i;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return false;
	s = json_object_get_string(v);
	for (i = 0; s[i] && i + 1 < size; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	return true;
}

/* A non-negative integer member; absent is 0 when optional. */
static bool get_count(struct json_object *o, const char *key, bool optional,
		      uint64_t *out)
{
	struct json_object *v;
	int64_t n;

	*out = 0;
	if (!json_object_object_get_ex(o, key, &v))
		return optional;
	if (!json_object_is_type(v, json_type_int))
		return false;
	n = json_object_get_int64(v);
	if (n < 0)
		return false;
	*out = (uint64_t)n;
	return true;
}

static bool parse_policy(struct json_object *pol, struct tlsrpt_report *r,
			 char *why, size_t whylen)
{
	struct json_object *sum, *details;
	uint64_t ok, failed;

	if (!json_object_is_type(pol, json_type_object) ||
	    !json_object_object_get_ex(pol, "summary", &sum) ||
	    !get_count(sum, "total-successful-session-count", false, &ok) ||
	    !get_count(sum, "total-failure-session-count", false, &failed))
		return vm_why(why, whylen, "a policy without a valid summary");
	r->ok_sessions += ok;
	r->failed_sessions += failed;
	if (!json_object_object_get_ex(pol, "failure-details", &details))
		return true;
	if (!json_object_is_type(details, json_type_array))
		return vm_why(why, whylen, "failure-details is not an array");
	for (size_t i = 0; i < json_object_array_length(details); i++) {
		struct json_object *d = json_object_array_get_idx(details, i);
		struct tlsrpt_failure f = { "", "", 0 };

		if (!json_object_is_type(d, json_type_object) ||
		    !get_str(d, "result-type", f.type, sizeof f.type) ||
		    !get_count(d, "failed-session-count", false, &f.sessions))
			return vm_why(why, whylen, "a failure detail without "
				      "result-type or failed-session-count");
		get_str(d, "receiving-mx-hostname", f.mx, sizeof f.mx);
		if (r->nfail == TLSRPT_MAX_FAILURES)
			continue;
		if (!r->fail && !(r->fail = calloc(TLSRPT_MAX_FAILURES,
						   sizeof *r->fail)))
			return vm_why(why, whylen, "out of memory");
		r->fail[r->nfail++] = f;
	}
	return true;
}

bool tlsrpt_parse(const char *json, size_t len, struct tlsrpt_report *r,
		  char *why, size_t whylen)
{
	struct json_tokener *tok;
	struct json_object *o, *range, *pols;
	char start[64], end[64];
	bool ok = false;

	memset(r, 0, sizeof *r);
	if (len > TLSRPT_MAX_JSON)
		return vm_why(why, whylen, "larger than %u bytes",
			      TLSRPT_MAX_JSON);
	if (!(tok = json_tokener_new()))
		return vm_why(why, whylen, "out of memory");
	o = json_tokener_parse_ex(tok, json, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		vm_why(why, whylen, "not JSON");
		goto out;
	}
	if (!json_object_is_type(o, json_type_object)) {
		vm_why(why, whylen, "not a JSON object");
		goto out;
	}
	if (!get_str(o, "organization-name", r->org, sizeof r->org)) {
		vm_why(why, whylen, "no organization-name");
		goto out;
	}
	get_str(o, "report-id", r->id, sizeof r->id);
	if (!json_object_object_get_ex(o, "date-range", &range) ||
	    !get_str(range, "start-datetime", start, sizeof start) ||
	    !get_str(range, "end-datetime", end, sizeof end) ||
	    !tlsrpt_parse_time(start, &r->start) ||
	    !tlsrpt_parse_time(end, &r->end)) {
		vm_why(why, whylen, "no valid date-range");
		goto out;
	}
	if (!json_object_object_get_ex(o, "policies", &pols) ||
	    !json_object_is_type(pols, json_type_array)) {
		vm_why(why, whylen, "no policies array");
		goto out;
	}
	ok = true;
	for (size_t i = 0; ok && i < json_object_array_length(pols); i++)
		ok = parse_policy(json_object_array_get_idx(pols, i), r, why,
				  whylen);
out:
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

/* ---- gzip ----------------------------------------------------------- */

bool tlsrpt_gunzip(const unsigned char *data, size_t len, size_t max,
		   char **out, size_t *outlen)
{
	z_stream z = { 0 };
	size_t cap = len * 4 + 1024, n = 0;
	char *buf;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (len < 18 || data[0] != 0x1f || data[1] != 0x8b || len > UINT32_MAX)
		return false;
	if (cap > max + 1)
		cap = max + 1;
	if (!(buf = malloc(cap)))
		return false;
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		free(buf);
		return false;
	}
	z.next_in = (unsigned char *)data;
	z.avail_in = (unsigned)len;
	do {
		if (n + 1 >= cap) {
			char *nb;

			if (cap > max) {
				rc = Z_BUF_ERROR;
				break;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if (!(nb = realloc(buf, cap))) {
				rc = Z_MEM_ERROR;
				break;
			}
			buf = nb;
		}
		z.next_out = (unsigned char *)buf + n;
		z.avail_out = (unsigned)(cap - 1 - n);
		rc = inflate(&z, Z_NO_FLUSH);
		n = cap - 1 - z.avail_out;
		if (rc == Z_BUF_ERROR && z.avail_in == 0)
			break;   /* truncated */
	} while (rc == Z_OK || (rc == Z_BUF_ERROR && z.avail_out == 0));
	inflateEnd(&z);
	if (rc != Z_STREAM_END || n > max) {
		free(buf);
		return false;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return true;
}

/* ---- MIME ----------------------------------------------------------- */

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Base64 of s[len] (white space ignored, '=' ends it) into a malloc'd
 * buffer; NULL if it holds anything else. */
static unsigned char *b64decode(const char *s, size_t len, size_t *outlen)
{
	unsigned char *out = malloc(len / 4 * 3 + 4);
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		if (isspace(c))
			continue;
		if (c == '=')
			break;
		if ((v = b64val(c)) < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	*outlen = n;
	return out;
}

/* The end of the line at p (the byte after its LF, or end). */
static const char *next_line(const char *p, const char *end)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	return lf ? lf + 1 : end;
}

static bool blank_line(const char *p, const char *end)
{
	return p < end && (*p == '\n' || (*p == '\r' && p + 1 < end &&
					  p[1] == '\n'));
}

struct part {
	char type[64];          /* Content-Type, lower case, no parameters */
	bool base64;
};

/* The value of a header line at p (name of nlen bytes matched) into out,
 * up to ';' or the end of the (unfolded) line, trimmed, lower case. */
static void header_value(const char *p, const char *end, size_t nlen,
			 char *out, size_t size)
{
	size_t o = 0;
	const char *e = next_line(p, end);

	/* folded continuation lines */
	while (e < end && (*e == ' ' || *e == '\t'))
		e = next_line(e, end);
	for (p += nlen; p < e && *p != ';'; p++) {
		unsigned char c = (unsigned char)*p;

		if (isspace(c))
			continue;
		if (o + 1 < size)
			out[o++] = (char)tolower(c);
	}
	out[o] = '\0';
}

/* Read the header block at p; returns where the body starts. */
static const char *read_headers(const char *p, const char *end,
				struct part *pt)
{
	char cte[32] = "";

	pt->type[0] = '\0';
	while (p < end && !blank_line(p, end)) {
		if ((size_t)(end - p) > 13 && !strncasecmp(p, "Content-Type:", 13))
			header_value(p, end, 13, pt->type, sizeof pt->type);
		else if ((size_t)(end - p) > 26 &&
			 !strncasecmp(p, "Content-Transfer-Encoding:", 26))
			header_value(p, end, 26, cte, sizeof cte);
		p = next_line(p, end);
	}
	pt->base64 = !strcmp(cte, "base64");
	return p < end ? next_line(p, end) : end;
}

static bool boundary_line(const char *p, const char *end)
{
	return end - p >= 2 && p[0] == '-' && p[1] == '-';
}

/* Hand the report in body [p, e) of part pt over; true if it was one. */
static bool take(const struct part *pt, const char *p, const char *e,
		 tlsrpt_report_cb *cb, void *ctx)
{
	bool gz = !strcmp(pt->type, "application/tlsrpt+gzip");
	unsigned char *raw = NULL;
	const unsigned char *data = (const unsigned char *)p;
	size_t len = (size_t)(e - p);
	char *json = NULL;
	size_t jlen = 0;
	bool ok = false;

	if (!gz && strcmp(pt->type, "application/tlsrpt+json"))
		return false;
	if (pt->base64) {
		if (!(raw = b64decode(p, len, &len)))
			return false;
		data = raw;
	}
	if (gz) {
		ok = tlsrpt_gunzip(data, len, TLSRPT_MAX_JSON, &json, &jlen);
		if (ok)
			cb(json, jlen, ctx);
		free(json);
	} else if (len <= TLSRPT_MAX_JSON) {
		cb((const char *)data, len, ctx);
		ok = true;
	}
	free(raw);
	return ok;
}

int tlsrpt_attachments(const char *msg, size_t len, tlsrpt_report_cb *cb,
		       void *ctx)
{
	const char *end = msg + len, *p, *body, *e;
	struct part pt;
	int found = 0;

	body = read_headers(msg, end, &pt);
	for (p = body;;) {
		/* the body of the current part ends at the next boundary */
		for (e = p; e < end && !boundary_line(e, end);
		     e = next_line(e, end))
			;
		if (take(&pt, p, e, cb, ctx))
			found++;
		if (e >= end)
			break;
		/* a closing boundary "--x--" is followed by an epilogue */
		p = next_line(e, end);
		p = read_headers(p, end, &pt);
	}
	return found;
}
