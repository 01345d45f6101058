/*
 * cmd_tls_policy.c - "vmailctl tls-policy": the first TLS policy map of
 * Postfix's SMTP client, which keeps DANE ahead of MTA-STS.
 *
 * Internal: systemd runs it, not people.  vmail-tls-policy.socket
 * listens on 127.0.0.1:8462 (Accept=yes) and starts one
 * vmail-tls-policy@.service per connection, as a dynamic user, with the
 * connection on standard input and output.  Postfix asks
 * (socketmap_table(5)) "dane DOMAIN" for each destination domain; the
 * answer comes from tls_policy_decide() (core/tls_policy.h) with
 * DNSSEC-validated lookups through unbound (dnsq_lookup_authentic,
 * lib/dnsq.h):
 *
 *	OK dane           the domain has validated TLSA records: DANE
 *	NOTFOUND          the next map (MTA-STS), then the default level
 *	TEMP reason       a lookup failed: Postfix defers the mail
 *
 * One line per answer other than NOTFOUND goes to standard error (the
 * journal: journalctl -u 'vmail-tls-policy@*').  The connection ends at
 * end of input, after IDLE_SECONDS without a request, or at a request
 * that is not a netstring (Postfix then opens a new one).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/tls_policy.h"
#include "lib/diag.h"
#include "lib/socketmap.h"
#include "lib/str.h"
#include "lib/validate.h"

#define MAP_NAME "dane"
#define IDLE_SECONDS 300

static const char tp_usage[] =
	"usage: vmailctl tls-policy\n"
	"\n"
	"Answer Postfix's TLS policy lookups (socketmap protocol) on standard\n"
	"input and output: \"OK dane\" for a destination domain with\n"
	"DNSSEC-validated TLSA records, so that DANE comes before MTA-STS.\n"
	"Run by systemd (vmail-tls-policy.socket), not by hand.\n"
	"\n"
	"  -h, --help   show this help\n";

static bool lookup(void *ctx, const char *name, int type,
		   struct dnsq_answer *a, bool *authentic)
{
	(void)ctx;
	return dnsq_lookup_authentic(name, type, a, authentic);
}

static bool write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* The answer to one request, as a netstring into out. */
static size_t answer(const struct socketmap_request *req, char *out,
		     size_t size)
{
	char key[VM_DOMAIN_MAX + 2], why[512] = "";
	enum tls_policy_verdict v;

	if (strcmp(req->name, MAP_NAME) != 0)
		return socketmap_reply("PERM", "unknown map name", out, size);
	if (req->key_len == 0 || req->key_len >= sizeof key)
		return socketmap_reply("NOTFOUND", NULL, out, size);
	memcpy(key, req->key, req->key_len + 1);
	vm_ascii_lower(key);
	if (key[req->key_len - 1] == '.')
		key[req->key_len - 1] = '\0';
	v = tls_policy_decide(key, lookup, NULL, why, sizeof why);
	switch (v) {
	case TLS_POLICY_DANE:
		fprintf(stderr, "%s: dane (%s)\n", key, why);
		return socketmap_reply("OK", "dane", out, size);
	case TLS_POLICY_NOTFOUND:
		return socketmap_reply("NOTFOUND", NULL, out, size);
	case TLS_POLICY_TEMP:
		fprintf(stderr, "%s: temporary failure (%s)\n", key, why);
		return socketmap_reply("TEMP", why, out, size);
	case TLS_POLICY_ERROR:
		break;
	}
	return socketmap_reply("TEMP", "out of memory", out, size);
}

static int serve(void)
{
	static char buf[SOCKETMAP_MAX + 16];
	char reply[1024];
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		struct socketmap_request req;
		size_t used;
		ssize_t n;
		int rc;

		rc = poll(&pfd, 1, IDLE_SECONDS * 1000);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return rc == 0 ? VM_EXIT_OK : VM_EXIT_FAIL;
		n = read(STDIN_FILENO, buf + len, sizeof buf - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? VM_EXIT_OK : VM_EXIT_FAIL;
		len += (size_t)n;
		while ((rc = socketmap_parse(buf, len, &req, &used)) == 1) {
			size_t r = answer(&req, reply, sizeof reply);

			if (!r || !write_all(reply, r))
				return VM_EXIT_FAIL;
			memmove(buf, buf + used, len - used);
			len -= used;
		}
		if (rc < 0 || len == sizeof buf) {
			vm_err("tls-policy: not a socketmap request; closing "
			       "the connection");
			return VM_EXIT_FAIL;
		}
	}
}

int cmd_tls_policy(int argc, char **argv)
{
	int rc;

	if ((rc = cmd_parse_help_only("tls-policy", argc, argv, tp_usage)) >= 0)
		return rc;
	if (argc - optind != 0)
		return cmd_usage_error(tp_usage, NULL);
	return serve();
}
