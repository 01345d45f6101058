/*
 * setup_acme.c - the certificate from an ACME CA (see setup_acme.h):
 * names checked in DNS, uacme run, certificate installed, daemons
 * reloaded.
 *
 * Why each step is as it is:
 *   - DNS first.  A CA validates every name over HTTP-01 on port 80 of
 *     the address the name has; a name that does not point here fails
 *     the whole order.  The names are looked up with the system resolver
 *     (res_query, not /etc/hosts, which often names this server
 *     whatever DNS says) and compared with this server's addresses
 *     ([server] ipv4/ipv6, else the addresses of its interfaces).  The
 *     hostname must point here (the certificate is for it: SMTP, IMAP,
 *     submission); a domain's mta-sts./autoconfig. name that does not
 *     is left out with a warning, so one domain's missing records do not
 *     cost every other name its certificate.  It is added again on the
 *     first run after its record appears.
 *   - The key.  uacme certifies ACME_DIR/private/HOSTNAME/key.pem; we
 *     put a copy of [tls] key there before each run, so the certificate
 *     is always for the key Postfix already uses (also the self-signed
 *     one's): the TLSA 3 1 1 record of port 25 never changes with a
 *     renewal.  Only "cert rotate-key --activate" certifies another key
 *     (the next one) and then makes it [tls] key.
 *   - Names that left (domain del) or a changed key: uacme only checks
 *     that its certificate has every name asked for, so then we force a
 *     new one.
 *   - Installing: cert.pem (leaf and chain) and the key are written with
 *     rename() over the old files (file.h), the key first when it
 *     changes, after checking that the certificate is for that key.
 *     Postfix ("postfix reload": new smtpd processes read the new files,
 *     running sessions go on), Dovecot (reload: existing sessions keep
 *     their processes) and nginx (reload: old workers finish their
 *     requests) then pick it up without dropping a connection.
 *   - Failures never touch the installed certificate; the timer tries
 *     again.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/acme.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/service.h"
#include "lib/str.h"
#include "lib/strlist.h"
#include "lib/tlsinfo.h"
#include "setup/setup_acme.h"

#define UACME "uacme"
/* A run that takes longer than this is stuck (the CA polls at most a
 * few minutes). */
#define UACME_TIMEOUT "900"
#define TIMER_UNIT "vmail-cert.timer"

/* ---- DNS ------------------------------------------------------------ */

/* The addresses (text form) of name's A (type ns_t_a) or AAAA records,
 * added to out.  0 none (NXDOMAIN, no data), 1 some, -1 lookup failed. */
static int lookup(res_state rs, const char *name, int type,
		  struct vm_strlist *out)
{
	unsigned char ans[4096];
	int len = res_nquery(rs, name, ns_c_in, type, ans, sizeof ans);
	ns_msg msg;
	int found = 0;

	if (len < 0)
		return (rs->res_h_errno == HOST_NOT_FOUND ||
			rs->res_h_errno == NO_DATA) ? 0 : -1;
	if (ns_initparse(ans, len, &msg) < 0)
		return -1;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		ns_rr rr;
		char text[INET6_ADDRSTRLEN];

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return -1;
		if ((int)ns_rr_type(rr) != type ||
		    ns_rr_rdlen(rr) != (type == ns_t_a ? 4 : 16))
			continue;
		if (!inet_ntop(type == ns_t_a ? AF_INET : AF_INET6,
			       ns_rr_rdata(rr), text, sizeof text))
			continue;
		if (!vm_strlist_has(out, text) && !vm_strlist_add(out, text))
			return -1;
		found = 1;
	}
	return found;
}

/* This server's public addresses: the configured ones, else those of
 * its interfaces (not loopback, not link-local). */
static bool own_addresses(const struct vm_config *cfg, struct vm_strlist *out)
{
	struct ifaddrs *ifa, *i;

	if (cfg->ipv4[0] && !vm_strlist_add(out, cfg->ipv4))
		return false;
	if (cfg->ipv6[0] && !vm_strlist_add(out, cfg->ipv6))
		return false;
	if (cfg->ipv4[0] || cfg->ipv6[0])
		return true;
	if (getifaddrs(&ifa) < 0)
		return false;
	for (i = ifa; i; i = i->ifa_next) {
		char text[INET6_ADDRSTRLEN];
		const void *a;

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct in_addr *v4 =
				&((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr;
			if ((ntohl(v4->s_addr) >> 24) == 127)
				continue;
			a = v4;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *v6 =
				&((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LOOPBACK(v6) || IN6_IS_ADDR_LINKLOCAL(v6))
				continue;
			a = v6;
		} else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, a, text, sizeof text) &&
		    !vm_strlist_has(out, text) && !vm_strlist_add(out, text)) {
			freeifaddrs(ifa);
			return false;
		}
	}
	freeifaddrs(ifa);
	return true;
}

static void join(const struct vm_strlist *l, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->n && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? ", " : "",
				      l->v[i]);
	if (!l->n)
		snprintf(out, size, "none");
}

/* Whether name points here: every A and AAAA address of it is one of
 * ours, and it has at least one.  False with the reason in why. */
static bool points_here(res_state rs, const char *name,
			const struct vm_strlist *ours, char *why,
			size_t whylen)
{
	struct vm_strlist found = VM_STRLIST_INIT;
	int a = lookup(rs, name, ns_t_a, &found);
	int aaaa = lookup(rs, name, ns_t_aaaa, &found);
	char list[300], here[300];
	bool ok = true;

	join(ours, here, sizeof here);
	if (a < 0 && aaaa < 0) {
		vm_why(why, whylen, "the DNS lookup of %s failed", name);
		ok = false;
	} else if (found.n == 0) {
		vm_why(why, whylen, "%s has no A or AAAA record (this server: "
		       "%s)", name, here);
		ok = false;
	}
	for (size_t i = 0; ok && i < found.n; i++)
		if (!vm_strlist_has(ours, found.v[i])) {
			join(&found, list, sizeof list);
			vm_why(why, whylen, "%s points to %s, not to this "
			       "server (%s)", name, list, here);
			ok = false;
		}
	vm_strlist_free(&found);
	return ok;
}

/* The names of the certificate that point here (names[0], the
 * hostname, must), into out; warnings for the names left out.  False
 * with msg set when the hostname does not point here. */
static bool check_names(const struct vm_config *cfg,
			const struct vm_strlist *names,
			struct vm_strlist *out, char *msg, size_t msglen)
{
	struct __res_state rs;
	struct vm_strlist ours = VM_STRLIST_INIT;
	char why[700];
	bool ok = true;

	memset(&rs, 0, sizeof rs);
	if (res_ninit(&rs) < 0) {
		snprintf(msg, msglen, "cannot read the resolver configuration");
		return false;
	}
	if (!own_addresses(cfg, &ours)) {
		snprintf(msg, msglen, "cannot find this server's addresses");
		ok = false;
	}
	for (size_t i = 0; ok && i < names->n; i++) {
		if (points_here(&rs, names->v[i], &ours, why, sizeof why)) {
			if (!vm_strlist_add(out, names->v[i])) {
				snprintf(msg, msglen, "out of memory");
				ok = false;
			}
		} else if (i == 0) {
			snprintf(msg, msglen, "DNS does not point here: %s; "
				 "the certificate needs the hostname", why);
			ok = false;
		} else
			vm_err("warning: DNS does not point here: %s; left "
			       "out of the certificate until it does", why);
	}
	vm_strlist_free(&ours);
	res_nclose(&rs);
	return ok;
}

int setup_acme_tlsa_visible(const char *hostname, const char *hex,
			    char *found, size_t foundlen)
{
	struct __res_state rs;
	unsigned char ans[4096];
	char name[300];
	ns_msg msg;
	size_t n = 0;
	int len, rc = 0;

	found[0] = '\0';
	snprintf(name, sizeof name, "_25._tcp.%s", hostname);
	memset(&rs, 0, sizeof rs);
	if (res_ninit(&rs) < 0) {
		snprintf(found, foundlen, "cannot read the resolver "
			 "configuration");
		return -1;
	}
	len = res_nquery(&rs, name, ns_c_in, ns_t_tlsa, ans, sizeof ans);
	if (len < 0) {
		rc = (rs.res_h_errno == HOST_NOT_FOUND ||
		      rs.res_h_errno == NO_DATA) ? 0 : -1;
		snprintf(found, foundlen, rc ? "the lookup of %s failed" :
			 "no TLSA record at %s", name);
		res_nclose(&rs);
		return rc;
	}
	if (ns_initparse(ans, len, &msg) < 0) {
		res_nclose(&rs);
		snprintf(found, foundlen, "a broken answer for %s", name);
		return -1;
	}
	for (int i = 0; rc == 0 && i < ns_msg_count(msg, ns_s_an); i++) {
		ns_rr rr;
		const unsigned char *d;
		char text[3 * 4 + 2 * 64 + 1];

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			break;
		if (ns_rr_type(rr) != ns_t_tlsa || ns_rr_rdlen(rr) < 4 ||
		    ns_rr_rdlen(rr) > 3 + 64)
			continue;
		d = ns_rr_rdata(rr);
		int t = snprintf(text, sizeof text, "%u %u %u ", d[0], d[1], d[2]);
		for (int j = 3; j < ns_rr_rdlen(rr); j++)
			t += snprintf(text + t, sizeof text - (size_t)t, "%02x",
				      d[j]);
		if (acme_tlsa_matches(text, hex))
			rc = 1;
		else if (n < foundlen)
			n += (size_t)snprintf(found + n, foundlen - n, "%s%s",
					      n ? "; " : "", text);
	}
	if (rc == 0 && !found[0])
		snprintf(found, foundlen, "no TLSA record at %s", name);
	res_nclose(&rs);
	return rc;
}

void setup_acme_tlsa_line(const char *hostname, const char *hex, char *out,
			  size_t size)
{
	snprintf(out, size, "_25._tcp.%s. IN TLSA 3 1 1 %s", hostname, hex);
}

/* ---- files ---------------------------------------------------------- */

static bool same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = vm_read_file(a, &la), *y = vm_read_file(b, &lb);
	bool same = x && y && la == lb && memcmp(x, y, la) == 0;

	if (x)
		explicit_bzero(x, la);
	if (y)
		explicit_bzero(y, lb);
	free(x);
	free(y);
	return same;
}

/* Copy src to dst with mode, atomically; false (printed) on error. */
static bool copy_file(const char *src, const char *dst, mode_t mode)
{
	size_t len;
	char *data = vm_read_file(src, &len);
	int rc;

	if (!data) {
		vm_errno("cannot read %s", src);
		return false;
	}
	rc = vm_write_file_if_changed(dst, data, len, mode, (uid_t)-1,
				      (gid_t)-1);
	explicit_bzero(data, len);
	free(data);
	return rc >= 0;
}

static void save_status(const char *result, const char *message,
			const struct vm_strlist *names)
{
	char text[4096], list[2048];
	size_t n = 0;

	list[0] = '\0';
	for (size_t i = 0; names && i < names->n && n < sizeof list; i++)
		n += (size_t)snprintf(list + n, sizeof list - n, "%s%s",
				      i ? " " : "", names->v[i]);
	snprintf(text, sizeof text, "time=%lld\nresult=%s\nnames=%s\n"
		 "message=%s\n", (long long)time(NULL), result, list, message);
	vm_write_file_if_changed(ACME_STATUS_FILE, text, strlen(text), 0644,
				 (uid_t)-1, (gid_t)-1);
}

static enum acme_outcome failed(char *msg, size_t msglen,
				const struct vm_strlist *names)
{
	save_status("failed", msg, names);
	return ACME_FAILED;
}

/* ---- the run -------------------------------------------------------- */

static int add_domain(const struct store_domain *d, void *ctx)
{
	return vm_strlist_add(ctx, d->name) ? 0 : 1;
}

/* Run uacme with the common options and action args; its stderr (where
 * it prints everything) into *out.  The exit status, or -1. */
static int uacme(const struct vm_config *cfg, const char *const *args,
		 char **out)
{
	const char *argv[64];
	size_t n = 0;

	argv[n++] = "timeout";
	argv[n++] = UACME_TIMEOUT;
	argv[n++] = UACME;
	argv[n++] = "-v";
	argv[n++] = "-c";
	argv[n++] = ACME_DIR;
	argv[n++] = "-a";
	argv[n++] = cfg->acme_directory;
	while (*args && n < sizeof argv / sizeof *argv - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	/* The hook writes the challenge token, which nginx (www-data) must
	 * read: 0644 under umask 022 (vmailctl runs with 007).  uacme sets
	 * its own umask for the keys it makes, in directories of 0700. */
	mode_t old = umask(022);
	int rc = vm_run_stderr(argv, out);

	umask(old);
	return rc;
}

static void save_account_uri(const char *output, const char *directory)
{
	char uri[1024], line[1100];

	if (!acme_account_uri(output, uri, sizeof uri))
		return;
	snprintf(line, sizeof line, "%s\n", uri);
	vm_write_file_if_changed(ACME_ACCOUNT_URI_FILE, line, strlen(line),
				 0644, (uid_t)-1, (gid_t)-1);
	snprintf(line, sizeof line, "%s\n", directory);
	vm_write_file_if_changed(ACME_ACCOUNT_DIRECTORY_FILE, line,
				 strlen(line), 0644, (uid_t)-1, (gid_t)-1);
}

/* The account at cfg->acme_directory: made when there is none for it
 * yet (the key stays in ACME_DIR/private/key.pem). */
static bool ensure_account(const struct vm_config *cfg, char *msg,
			   size_t msglen)
{
	char *known = vm_read_file(ACME_ACCOUNT_DIRECTORY_FILE, NULL);
	char *out = NULL;
	char uri[1024];
	const char *email = cfg->acme_email[0] ? cfg->acme_email : cfg->admin;
	bool same = known && !strncmp(known, cfg->acme_directory,
				      strlen(cfg->acme_directory)) &&
		    known[strlen(cfg->acme_directory)] == '\n' &&
		    access(ACME_ACCOUNT_URI_FILE, F_OK) == 0;
	int rc;

	free(known);
	if (same)
		return true;
	{
		const char *args[] = { "-y", "new", email, NULL };

		rc = uacme(cfg, args, &out);
	}
	if (out && acme_account_uri(out, uri, sizeof uri)) {
		save_account_uri(out, cfg->acme_directory);
		free(out);
		return true;
	}
	acme_explain(out ? out : "", msg, msglen);
	if (rc < 0)
		snprintf(msg, msglen, "cannot run uacme (apt-get install "
			 "uacme)");
	free(out);
	return false;
}

/* Whether uacme's certificate at path must be replaced although uacme
 * would call it current: it names something not in names (a domain was
 * deleted, a name left out), or it is for another key. */
static bool must_force(const char *path, const struct vm_strlist *names,
		       const char *key_hex)
{
	struct tlsinfo_cert c;
	char why[300];
	bool force = false;

	if (access(path, F_OK) != 0)
		return false;
	if (!tlsinfo_cert_load(path, &c, why, sizeof why))
		return true;
	for (size_t i = 0; i < c.names.n; i++)
		if (!vm_strlist_has(names, c.names.v[i]))
			force = true;
	if (strcmp(c.spki_sha256, key_hex))
		force = true;
	tlsinfo_cert_free(&c);
	return force;
}

static void reload_daemons(void)
{
	service_reload("postfix");
	service_reload("dovecot");
	if (service_running("nginx"))
		service_reload("nginx");
}

/* Put uacme's certificate (and key_path, if it is not [tls] key) in
 * place.  1 installed, 0 nothing to do, -1 error (msg). */
static int install(const struct vm_config *cfg, const char *acme_cert,
		   const char *key_path, const char *key_hex, char *msg,
		   size_t msglen)
{
	struct tlsinfo_cert c;
	char why[300];
	bool new_key = strcmp(key_path, cfg->tls_key) != 0;
	bool match;

	if (!new_key && same_file(acme_cert, cfg->tls_cert))
		return 0;
	if (!tlsinfo_cert_load(acme_cert, &c, why, sizeof why)) {
		snprintf(msg, msglen, "the new certificate is unreadable: %s",
			 why);
		return -1;
	}
	match = !strcmp(c.spki_sha256, key_hex);
	tlsinfo_cert_free(&c);
	if (!match) {
		snprintf(msg, msglen, "the new certificate is not for the key "
			 "%s; nothing installed", key_path);
		return -1;
	}
	if ((new_key && !copy_file(key_path, cfg->tls_key, 0600)) ||
	    !copy_file(acme_cert, cfg->tls_cert, 0644)) {
		snprintf(msg, msglen, "cannot install the certificate in %s",
			 cfg->tls_cert);
		return -1;
	}
	reload_daemons();
	return 1;
}

enum acme_outcome setup_acme_run(const struct vm_config *cfg, struct store *s,
				 const struct acme_request *rq, char *msg,
				 size_t msglen)
{
	struct vm_strlist domains = VM_STRLIST_INIT, all = VM_STRLIST_INIT;
	struct vm_strlist names = VM_STRLIST_INIT;
	const char *key = rq->key ? rq->key : cfg->tls_key;
	char key_hex[TLSINFO_TLSA_HEX], why[300];
	char private_dir[600], private_key[700], acme_cert[700];
	enum acme_outcome res = ACME_FAILED;
	char *out = NULL;
	int rc;

	msg[0] = '\0';
	if (vm_ensure_dir(ACME_DIR, 0700, 0, 0) < 0) {
		snprintf(msg, msglen, "cannot make %s", ACME_DIR);
		goto done;
	}
	if (store_domain_list(s, add_domain, &domains) != STORE_OK ||
	    !acme_cert_names(cfg->hostname, &domains, &all)) {
		snprintf(msg, msglen, "cannot read the hosted domains");
		goto done;
	}
	if (!check_names(cfg, &all, &names, msg, msglen)) {
		res = failed(msg, msglen, &all);
		goto done;
	}
	if (!tlsinfo_key_tlsa(key, key_hex, why, sizeof why)) {
		snprintf(msg, msglen, "cannot read the key %s: %s", key, why);
		res = failed(msg, msglen, &names);
		goto done;
	}
	snprintf(private_dir, sizeof private_dir, "%s/private/%s", ACME_DIR,
		 cfg->hostname);
	snprintf(private_key, sizeof private_key, "%s/key.pem", private_dir);
	snprintf(acme_cert, sizeof acme_cert, "%s/%s/cert.pem", ACME_DIR,
		 cfg->hostname);
	if (vm_ensure_dir(ACME_DIR "/private", 0700, 0, 0) < 0 ||
	    vm_ensure_dir(private_dir, 0700, 0, 0) < 0 ||
	    vm_ensure_dir(ACME_CHALLENGE_DIR, 0755, 0, 0) < 0 ||
	    !copy_file(key, private_key, 0600)) {
		snprintf(msg, msglen, "cannot prepare %s", ACME_DIR);
		res = failed(msg, msglen, &names);
		goto done;
	}
	if (!ensure_account(cfg, msg, msglen)) {
		res = failed(msg, msglen, &names);
		goto done;
	}
	{
		const char *args[8 + 1024];
		size_t n = 0;

		args[n++] = "-h";
		args[n++] = ACME_HOOK;
		if (rq->force || must_force(acme_cert, &names, key_hex))
			args[n++] = "-f";
		args[n++] = "issue";
		for (size_t i = 0; i < names.n && n < 8 + 1000; i++)
			args[n++] = names.v[i];
		args[n] = NULL;
		if (setenv("UACME_CHALLENGE_PATH", ACME_CHALLENGE_DIR, 1) < 0) {
			snprintf(msg, msglen, "out of memory");
			goto done;
		}
		rc = uacme(cfg, args, &out);
		/* The CA no longer knows the account we noted (deactivated,
		 * or a test CA started afresh): make a new one, once. */
		if (rc == 2 && out && strstr(out, "no account associated with")) {
			unlink(ACME_ACCOUNT_DIRECTORY_FILE);
			free(out);
			out = NULL;
			if (!ensure_account(cfg, msg, msglen)) {
				res = failed(msg, msglen, &names);
				goto done;
			}
			rc = uacme(cfg, args, &out);
		}
	}
	if (out)
		save_account_uri(out, cfg->acme_directory);
	if (rc != 0 && rc != 1) {
		if (rc < 0)
			snprintf(msg, msglen, "cannot run uacme (apt-get "
				 "install uacme)");
		else if (rc == 124)
			snprintf(msg, msglen, "the ACME client gave up after "
				 "%s s", UACME_TIMEOUT);
		else
			acme_explain(out ? out : "", msg, msglen);
		res = failed(msg, msglen, &names);
		goto done;
	}
	rc = install(cfg, acme_cert, key, key_hex, msg, msglen);
	if (rc < 0) {
		res = failed(msg, msglen, &names);
		goto done;
	}
	{
		char list[1500];

		join(&names, list, sizeof list);
		res = rc > 0 ? ACME_ISSUED : ACME_CURRENT;
		snprintf(msg, msglen, rc > 0 ?
			 "installed a new certificate for %s" :
			 "the certificate for %s is current", list);
		save_status(rc > 0 ? "issued" : "current", msg, &names);
	}
done:
	free(out);
	vm_strlist_free(&domains);
	vm_strlist_free(&all);
	vm_strlist_free(&names);
	return res;
}

bool setup_acme(const struct vm_config *cfg, struct store *s)
{
	char unit[300], msg[1500];
	struct acme_request rq = { 0 };

	snprintf(unit, sizeof unit, "/etc/systemd/system/%s", TIMER_UNIT);
	if (!cfg->acme) {
		if (service_have_systemd() && access(unit, F_OK) == 0 &&
		    service_unit_disable(TIMER_UNIT) < 0)
			return false;
		return true;
	}
	if (service_have_systemd() && service_unit_enable(TIMER_UNIT) < 0)
		return false;
	vm_progress("Getting the certificate from %s", cfg->acme_directory);
	switch (setup_acme_run(cfg, s, &rq, msg, sizeof msg)) {
	case ACME_ISSUED:
		vm_progress("ACME: %s", msg);
		break;
	case ACME_CURRENT:
		break;
	case ACME_FAILED:
		vm_err("warning: no certificate from the ACME CA yet: %s; the "
		       "current certificate stays, and %s tries again (see "
		       "'vmailctl cert status')", msg,
		       service_have_systemd() ? TIMER_UNIT :
		       "'vmailctl cert renew'");
		break;
	}
	return true;
}
