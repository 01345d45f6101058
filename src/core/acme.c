/*
 * acme.c - certificate names, the meaning of uacme's output, and TLSA
 * comparison (see acme.h).
 *
 * uacme prints its progress with -v and, when the CA refuses, the CA's
 * problem document (RFC 8555 6.7) as JSON: a "type" such as
 * urn:ietf:params:acme:error:connection and a "detail".  acme_explain()
 * looks for the types that have a clear cause, most specific first:
 *
 *   rateLimited        the CA's rate limit was hit
 *   connection         the CA could not connect to port 80 (firewall,
 *                      nothing listening, NAT not forwarding)
 *   dns                the CA could not resolve a name
 *   unauthorized       the CA reached port 80 but got the wrong answer
 *                      (another web server, a proxy)
 *   rejectedIdentifier the CA will not issue for a name
 *   (libcurl)          the CA itself is unreachable or its TLS
 *                      certificate is not trusted
 *
 * and otherwise quotes uacme's last error line.  What the output holds
 * comes from the network: it is treated as untrusted text (any bytes,
 * any length; fuzz/fuzz_acme_output.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/acme.h"
#include "lib/str.h"

bool acme_cert_names(const char *hostname, const struct vm_strlist *domains,
		     struct vm_strlist *out)
{
	static const char *const prefixes[] = { "mta-sts.", "autoconfig." };
	char name[300];

	if (!vm_strlist_has(out, hostname) && !vm_strlist_add(out, hostname))
		return false;
	for (size_t i = 0; i < domains->n; i++) {
		for (size_t p = 0; p < sizeof prefixes / sizeof *prefixes; p++) {
			if (!vm_snprintf(name, sizeof name, "%s%s", prefixes[p],
					 domains->v[i]) ||
			    strlen(name) > 253)
				continue;    /* longer than DNS allows */
			if (!vm_strlist_has(out, name) &&
			    !vm_strlist_add(out, name))
				return false;
		}
	}
	return true;
}

bool acme_next_key_path(const char *key_path, char *out, size_t size)
{
	const char *slash = strrchr(key_path, '/');

	if (!slash)
		return vm_snprintf(out, size, "%s", ACME_NEXT_KEY_NAME);
	return vm_snprintf(out, size, "%.*s/%s", (int)(slash - key_path),
			   key_path, ACME_NEXT_KEY_NAME);
}

/* The JSON string value of "key" at or after from, unescaped (\uXXXX as
 * '?'), control characters as spaces, into out.  False if none. */
static bool json_string_after(const char *from, const char *key, char *out,
			      size_t size)
{
	char pat[32];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof pat, "\"%s\"", key);
	if (!(p = strstr(from, pat)))
		return false;
	p += strlen(pat);
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p++ != ':')
		return false;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p++ != '"')
		return false;
	while (*p && *p != '"' && n + 1 < size) {
		char c = *p++;

		if (c == '\\' && *p) {
			c = *p++;
			if (c == 'u') {
				for (int i = 0; i < 4 && isxdigit((unsigned char)*p); i++)
					p++;
				c = '?';
			} else if (c == 'n' || c == 't' || c == 'r')
				c = ' ';
		}
		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

/* The detail of the first problem whose type is urn:...:error:type. */
static bool problem(const char *output, const char *type, char *detail,
		    size_t size)
{
	char urn[80];
	const char *p;

	snprintf(urn, sizeof urn, "urn:ietf:params:acme:error:%s\"", type);
	if (!(p = strstr(output, urn)))
		return false;
	/* the detail is in the same object: before or after the type */
	{
		const char *start = p;
		int back = 0;

		while (start > output && back < 2000 && *start != '{') {
			start--;
			back++;
		}
		if (!json_string_after(start, "detail", detail, size))
			snprintf(detail, size, "no details given");
	}
	return true;
}

/* The last line of output that starts with "uacme: " and is not
 * progress, without the prefix, made printable. */
static void last_error_line(const char *output, char *out, size_t size)
{
	const char *p = output, *best = NULL;
	size_t n = 0, bestlen = 0;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len > 7 && !strncmp(p, "uacme: ", 7)) {
			best = p + 7;
			bestlen = len - 7;
		}
		p += len + (eol ? 1 : 0);
	}
	if (!best) {
		snprintf(out, size, "no error message");
		return;
	}
	for (size_t i = 0; i < bestlen && n + 1 < size; i++) {
		unsigned char c = (unsigned char)best[i];

		out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[n] = '\0';
}

void acme_explain(const char *output, char *msg, size_t size)
{
	char d[400], line[400];

	if (problem(output, "rateLimited", d, sizeof d))
		snprintf(msg, size, "the CA's rate limit was hit (%s); the "
			 "timer tries again later", d);
	else if (problem(output, "connection", d, sizeof d))
		snprintf(msg, size, "port 80 is unreachable: the CA could not "
			 "connect to this server's port 80 to fetch the HTTP-01 "
			 "challenge (%s); open port 80 to the Internet", d);
	else if (problem(output, "dns", d, sizeof d))
		snprintf(msg, size, "DNS does not point here: the CA could not "
			 "resolve a name of the certificate (%s)", d);
	else if (problem(output, "unauthorized", d, sizeof d))
		snprintf(msg, size, "the CA reached port 80 but did not get "
			 "the challenge from this server (%s); does the name "
			 "point here, and does nothing else answer on port 80?",
			 d);
	else if (problem(output, "rejectedIdentifier", d, sizeof d))
		snprintf(msg, size, "the CA will not issue a certificate for "
			 "one of the names (%s)", d);
	else if (strstr(output, "SSL certificate problem") ||
		 strstr(output, "certificate verify failed"))
		snprintf(msg, size, "the CA's TLS certificate is not trusted "
			 "here; check [tls] acme_directory and the system's "
			 "CA certificates");
	else if (strstr(output, "Could not resolve host") ||
		 strstr(output, "Failed to connect to") ||
		 strstr(output, "Couldn't connect to server") ||
		 strstr(output, "Connection timed out") ||
		 strstr(output, "Connection refused"))
		snprintf(msg, size, "the CA is unreachable at [tls] "
			 "acme_directory (no connection from this server)");
	else {
		last_error_line(output, line, sizeof line);
		snprintf(msg, size, "the ACME client failed: %s", line);
	}
}

bool acme_account_uri(const char *output, char *uri, size_t size)
{
	static const char *const marks[] = {
		"account location: ", "account created at ",
		"Account already exists at ",
	};

	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
		const char *p = strstr(output, marks[i]);
		size_t n = 0;

		if (!p)
			continue;
		p += strlen(marks[i]);
		if (strncmp(p, "https://", 8) && strncmp(p, "http://", 7))
			continue;
		while (p[n] && !isspace((unsigned char)p[n]) &&
		       (unsigned char)p[n] > 0x20 && (unsigned char)p[n] < 0x7f &&
		       p[n] != '"')
			n++;
		if (n == 0 || n >= size)
			continue;
		memcpy(uri, p, n);
		uri[n] = '\0';
		return true;
	}
	return false;
}

bool acme_tlsa_matches(const char *rdata, const char *hex)
{
	const char *p = rdata;
	size_t i = 0;

	while (*p == ' ')
		p++;
	if (strncmp(p, "3 1 1 ", 6))
		return false;
	for (p += 6; *p; p++) {
		if (*p == ' ' || *p == '(' || *p == ')')
			continue;
		if (!hex[i] || tolower((unsigned char)*p) != hex[i])
			return false;
		i++;
	}
	return i > 0 && !hex[i];
}
