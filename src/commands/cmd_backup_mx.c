/*
 * cmd_backup_mx.c - "vmailctl backup-mx": the recipient list a backup MX
 * needs, from the primary to its backups (docs/backup-mx.md).
 *
 *   on the primary ([server] backup_mx = HOST ...):
 *     vmailctl backup-mx token [--new] HOST    the pairing line for HOST
 *     vmailctl backup-mx list                  the list the backups get
 *     vmailctl backup-mx serve                 (internal: systemd runs it
 *                                              on each connection to port
 *                                              RECIPIENT_LIST_PORT)
 *   on a backup ([server] role = backup-mx, primary = HOST):
 *     vmailctl backup-mx pair                  store the pairing line read
 *                                              from standard input, then sync
 *     vmailctl backup-mx sync                  fetch the list now (the
 *                                              timer does it every 5 minutes)
 *     vmailctl backup-mx list                  the list last fetched
 *     vmailctl backup-mx status [--json]       paired?  when last fetched,
 *                                              how many domains, addresses
 *
 * The exchange: the backup connects to the primary over TLS (the primary's
 * own certificate, [tls] cert; the backup trusts it by the key pinned at
 * pairing, or by the system's CAs and the name), sends "LIST TOKEN", and
 * gets "OK" and the list (recipient_list.h), or "NO".  Each backup has
 * its own token, a secret in a 0600 file on both sides (never in argv or
 * a log).  A list that does not parse is never used: the backup keeps the
 * last good one, which is exactly what it needs while the primary is
 * down.  cmd_backup_mx_refuses() makes the directory commands refuse on a
 * backup, which has no mailboxes.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/recipient_list.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/output.h"
#include "lib/privdrop.h"
#include "lib/secret.h"
#include "lib/service.h"
#include "lib/str.h"
#include "lib/tlsconn.h"
#include "lib/validate.h"

#define TOKEN_BYTES 32
#define TOKEN_LEN RECIPIENT_TOKEN_LEN
#define PAIRING_MAGIC RECIPIENT_PAIRING_MAGIC
/* "vmail-backup-mx 1 TOKEN PIN" */
#define PAIRING_MAX (sizeof PAIRING_MAGIC + TOKEN_LEN + TLSCONN_PIN_LEN + 4)
#define IO_TIMEOUT 20

static const char bmx_usage[] =
	"usage: vmailctl backup-mx token [--new] HOST   (on the primary)\n"
	"       vmailctl backup-mx pair                 (on a backup)\n"
	"       vmailctl backup-mx sync                 (on a backup)\n"
	"       vmailctl backup-mx list\n"
	"       vmailctl backup-mx status [--json]      (on a backup)\n"
	"\n"
	"The recipient list of a backup MX: the primary's domains and\n"
	"addresses, which a backup ([server] role = backup-mx) fetches so\n"
	"that it accepts mail for them, and only for them, while the primary\n"
	"is down.  See docs/backup-mx.md.\n"
	"Run 'vmailctl backup-mx SUBCOMMAND --help' for details.\n";

static const char token_usage[] =
	"usage: vmailctl backup-mx token [--new] HOST\n"
	"\n"
	"On the primary: print the pairing line of the backup HOST (one of\n"
	"[server] backup_mx): its secret token and the pin of this server's\n"
	"key.  Give the line to 'vmailctl backup-mx pair' on HOST, through\n"
	"its standard input (ssh HOST vmailctl backup-mx pair < FILE).\n"
	"Keep it secret: it lets its holder fetch the list of addresses.\n"
	"\n"
	"  -n, --new    make a new token (the old one stops working)\n"
	"  -h, --help   show this help\n";

static const char pair_usage[] =
	"usage: vmailctl backup-mx pair\n"
	"\n"
	"On a backup: read the pairing line ('vmailctl backup-mx token HOST'\n"
	"on the primary) from standard input, keep it (0600 root), and fetch\n"
	"the recipient list.\n"
	"\n"
	"  -h, --help   show this help\n";

static const char sync_usage[] =
	"usage: vmailctl backup-mx sync\n"
	"\n"
	"On a backup: fetch the recipient list from the primary now, check\n"
	"it, and give it to Postfix.  On any failure the last good list stays\n"
	"in use, and the reason is printed (exit 1).  A systemd timer runs\n"
	"this every 5 minutes.\n"
	"\n"
	"  -h, --help   show this help\n";

static const char list_usage[] =
	"usage: vmailctl backup-mx list\n"
	"\n"
	"Print the recipient list: on the primary, the one its backups get\n"
	"now; on a backup, the one last fetched.\n"
	"\n"
	"  -h, --help   show this help\n";

static const char status_usage[] =
	"usage: vmailctl backup-mx status [--json]\n"
	"\n"
	"On a backup: its primary, whether it is paired, when the recipient\n"
	"list was last fetched and how many domains and addresses it holds.\n"
	"\n"
	"  -j, --json   print a JSON object (primary, paired, synced: seconds\n"
	"               since the epoch or null, domains, addresses)\n"
	"  -h, --help   show this help\n";

static const char serve_usage[] =
	"usage: vmailctl backup-mx serve\n"
	"\n"
	"Internal, on the primary: serve the recipient list over TLS on\n"
	"standard input (a connection systemd accepted on port "
	RECIPIENT_LIST_PORT ",\n"
	"vmail-backup-mx.socket).\n"
	"\n"
	"  -h, --help   show this help\n";

/* ---- paths ------------------------------------------------------------ */

/* etc: the directory of vmail.conf; NAME under etc/backup-mx. */
static bool etc_path(char *out, size_t size, const char *name)
{
	char dir[512];

	if (!vm_dir_of(config_path(), dir, sizeof dir) ||
	    !vm_snprintf(out, size, "%s/backup-mx%s%s", dir, name ? "/" : "",
			 name ? name : "")) {
		vm_err("%s: path too long", config_path());
		return false;
	}
	return true;
}

/* The backup's state: $VMAIL_BACKUP_MX_DIR (tests) or the default. */
static const char *state_dir(void)
{
	const char *env = getenv("VMAIL_BACKUP_MX_DIR");

	return env && *env ? env : RECIPIENT_LIST_DIR;
}

static bool is_backup(const struct vm_config *cfg)
{
	return !strcmp(cfg->role, "backup-mx");
}

/* Is host one of cfg->backup_mx? */
static bool listed_backup(const struct vm_config *cfg, const char *host)
{
	size_t n = strlen(host);

	for (const char *p = cfg->backup_mx; *p;) {
		size_t w;

		while (*p == ' ')
			p++;
		w = strcspn(p, " ");
		if (w == n && !memcmp(p, host, n))
			return true;
		p += w;
	}
	return false;
}

/* ---- the directory commands on a backup -------------------------------- */

int cmd_backup_mx_refuses(const char *command)
{
	static const char *const directory[] = { "domain", "user", "alias",
						 "dkim", "quota-warning" };
	struct vm_config cfg;
	bool found = false;

	for (size_t i = 0; i < sizeof directory / sizeof *directory; i++)
		found = found || !strcmp(command, directory[i]);
	if (!found)
		return 0;
	config_defaults(&cfg);
	if (!config_load(config_path(), &cfg, &found))
		return 0;   /* the command itself reports the bad file */
	if (!is_backup(&cfg))
		return 0;
	vm_err("this server is a backup MX ([server] role = backup-mx in %s): "
	       "it has no mailboxes, aliases or DKIM keys of its own; run "
	       "'vmailctl %s ...' on the primary, %s, whose recipient list "
	       "this server fetches ('vmailctl backup-mx list')",
	       config_path(), command, cfg.primary[0] ? cfg.primary : "?");
	return 1;
}

/* ---- token (primary) ------------------------------------------------ */

static bool new_token(char out[TOKEN_LEN + 1])
{
	unsigned char raw[TOKEN_BYTES];

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		vm_errno("getrandom");
		return false;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	vm_explicit_bzero(raw, sizeof raw);
	return true;
}

static bool valid_hex(const char *s, size_t len)
{
	return recipient_is_hex(s, len);
}

/* Read the token file of host into tok; 1 read, 0 none, -1 bad. */
static int read_token(const char *path, char tok[TOKEN_LEN + 1])
{
	size_t len;
	char *text = vm_read_file(path, &len);
	int rc = -1;

	if (!text)
		return errno == ENOENT ? 0 : -1;
	if (len >= TOKEN_LEN && (len == TOKEN_LEN || text[TOKEN_LEN] == '\n')) {
		memcpy(tok, text, TOKEN_LEN);
		tok[TOKEN_LEN] = '\0';
		rc = valid_hex(tok, TOKEN_LEN) ? 1 : -1;
	}
	vm_explicit_bzero(text, len);
	free(text);
	return rc;
}

int cmd_backup_mx_ensure_token(const char *host, bool renew, char *tok)
{
	char dir[600], path[900], line[TOKEN_LEN + 2];
	int rc;

	if (!etc_path(dir, sizeof dir, "tokens") ||
	    !vm_snprintf(path, sizeof path, "%s/%s", dir, host))
		return -1;
	if (vm_ensure_dir(dir, 0700, (uid_t)-1, (gid_t)-1) < 0)
		return -1;
	rc = renew ? 0 : read_token(path, tok);
	if (rc > 0)
		return 0;
	if (rc < 0)
		vm_err("%s is damaged; making a new token", path);
	if (!new_token(tok))
		return -1;
	snprintf(line, sizeof line, "%s\n", tok);
	rc = vm_write_file_if_changed(path, line, strlen(line), 0600,
				      (uid_t)-1, (gid_t)-1);
	vm_explicit_bzero(line, sizeof line);
	return rc < 0 ? -1 : 1;
}

static int bmx_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "new", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char host[VM_DOMAIN_MAX + 1], tok[TOKEN_LEN + 1], pin[TLSCONN_PIN_LEN + 1];
	char why[512];
	struct vm_config cfg;
	bool renew = false;
	int c;

	optind = 0;
	while ((c = cmd_getopt("backup-mx token", argc, argv, "nh", opts)) != -1) {
		switch (c) {
		case 'n': renew = true; break;
		case 'h': return cmd_help(token_usage);
		default: return cmd_usage_error(token_usage, NULL);
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(token_usage,
				       "backup-mx token: expected HOST");
	if (!cmd_arg_domain(argv[optind], host, sizeof host) ||
	    !cmd_load_config(&cfg))
		return VM_EXIT_FAIL;
	if (is_backup(&cfg)) {
		vm_err("this server is a backup MX: tokens are made on the "
		       "primary, %s", cfg.primary);
		return VM_EXIT_FAIL;
	}
	if (!listed_backup(&cfg, host)) {
		vm_err("'%s' is not a backup MX of this server: add it to "
		       "[server] backup_mx (vmailctl setup --backup-mx '%s%s%s')",
		       host, cfg.backup_mx, cfg.backup_mx[0] ? " " : "", host);
		return VM_EXIT_FAIL;
	}
	if (!tlsconn_cert_pin(cfg.tls_cert, pin, why, sizeof why)) {
		vm_err("%s", why);
		return VM_EXIT_FAIL;
	}
	if (cmd_backup_mx_ensure_token(host, renew, tok) < 0)
		return VM_EXIT_FAIL;
	printf("%s %s %s\n", PAIRING_MAGIC, tok, pin);
	vm_explicit_bzero(tok, sizeof tok);
	return cmd_flush_stdout();
}

/* ---- serve (primary) -------------------------------------------------- */

static void peer_name(int fd, char *out, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char addr[INET6_ADDRSTRLEN] = "?";

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
				  addr, sizeof addr);
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((struct sockaddr_in6 *)&ss)->sin6_addr, addr,
				  sizeof addr);
	}
	vm_strlcpy(out, addr, size);
}

/* The tokens of the backups of cfg->backup_mx, read while still root
 * ([server] backup_mx holds far fewer names than this). */
#define SERVE_MAX_BACKUPS 64

struct backup_token {
	char host[VM_DOMAIN_MAX + 1];
	char token[TOKEN_LEN + 1];
};

static size_t load_tokens(const struct vm_config *cfg,
			  struct backup_token *t, size_t max)
{
	char dir[600], path[900];
	size_t n = 0;

	if (!etc_path(dir, sizeof dir, "tokens"))
		return 0;
	for (const char *p = cfg->backup_mx; *p;) {
		size_t w;

		while (*p == ' ')
			p++;
		w = strcspn(p, " ");
		if (w && n == max) {
			vm_err("more than %zu backups in [server] backup_mx: "
			       "'%.*s' is refused", max, (int)w, p);
		} else if (w && w < sizeof t[n].host) {
			memcpy(t[n].host, p, w);
			t[n].host[w] = '\0';
			if (vm_snprintf(path, sizeof path, "%s/%s", dir,
					t[n].host) &&
			    read_token(path, t[n].token) > 0)
				n++;
		}
		p += w;
	}
	return n;
}

/* The backup whose token is tok, or NULL.  Every token is compared, in
 * constant time each. */
static const char *token_owner(const struct backup_token *t, size_t n,
			       const char *tok)
{
	const char *found = NULL;

	for (size_t i = 0; i < n; i++)
		if (CRYPTO_memcmp(t[i].token, tok, TOKEN_LEN) == 0 && !found)
			found = t[i].host;
	return found;
}

/*
 * One connection, privilege-separated in time: as root (with no
 * capability but CAP_SETUID/CAP_SETGID, vmail-backup-mx@.service) it
 * reads what only root may read - the settings, the backups' tokens,
 * the TLS key, the directory, turned into the list - before a byte
 * comes from the peer; then it becomes RECIPIENT_SERVE_USER, and only
 * then does the TLS handshake and reads the token line.
 */
static int bmx_serve(int argc, char **argv)
{
	char line[16 + TOKEN_LEN], why[512], peer[INET6_ADDRSTRLEN];
	struct backup_token tokens[SERVE_MAX_BACKUPS];
	size_t ntokens;
	const char *host;
	struct vm_config cfg;
	struct tlsconn *c;
	struct store *s;
	struct vm_buf b = VM_BUF_INIT;
	bool listed = false;
	int ret = cmd_parse_help_only("backup-mx serve", argc, argv,
				      serve_usage);

	if (ret >= 0)
		return ret;
	peer_name(STDIN_FILENO, peer, sizeof peer);
	if (!cmd_load_config(&cfg))
		return VM_EXIT_FAIL;
	if (is_backup(&cfg) || !cfg.backup_mx[0]) {
		vm_err("%s: refused: this server has no backup MX ([server] "
		       "backup_mx)", peer);
		return VM_EXIT_FAIL;
	}
	ntokens = load_tokens(&cfg, tokens, SERVE_MAX_BACKUPS);
	if ((s = cmd_open_store_existing(&cfg))) {
		listed = recipient_list_text(s, &b) == STORE_OK && !b.nomem;
		store_close(s);
	}
	if (!listed)
		vm_err("%s: cannot list the directory for the backups", peer);
	c = tlsconn_server(STDIN_FILENO, cfg.tls_cert, cfg.tls_key, 10, why,
			   sizeof why);
	if (!c || !vm_drop_privileges(RECIPIENT_SERVE_USER, why, sizeof why)) {
		vm_err("%s: %s", peer, why);
		ret = VM_EXIT_FAIL;
		goto out;
	}
	/* A client's failure (no TLS, a wrong token) is logged and is not
	 * ours: exit 0, so that a port scanner leaves no failed unit. */
	ret = VM_EXIT_OK;
	if (!tlsconn_handshake(c, why, sizeof why)) {
		vm_err("%s: %s", peer, why);
		goto out;
	}
	if (!tlsconn_read_line(c, line, sizeof line) ||
	    strncmp(line, "LIST ", 5) || !valid_hex(line + 5, TOKEN_LEN) ||
	    !(host = token_owner(tokens, ntokens, line + 5))) {
		vm_err("%s: refused: no valid token", peer);
		sleep(1);   /* no fast guessing (the token is 256 bits anyway) */
		tlsconn_write(c, "NO unknown token\n", 17);
		goto out;
	}
	if (!listed) {
		tlsconn_write(c, "NO the primary cannot read its directory\n", 41);
		ret = VM_EXIT_FAIL;
		goto out;
	}
	if (!tlsconn_write(c, "OK\n", 3) || !tlsconn_write(c, b.data, b.len)) {
		vm_err("%s (%s): the connection broke while sending the list",
		       host, peer);
		ret = VM_EXIT_FAIL;
	} else {
		fprintf(stderr, "vmailctl: sent the recipient list (%zu bytes) "
			"to %s (%s)\n", b.len, host, peer);
	}
out:
	vm_explicit_bzero(line, sizeof line);
	vm_explicit_bzero(tokens, sizeof tokens);
	vm_buf_free(&b);
	tlsconn_close(c);
	return ret;
}

/* ---- pair and sync (backup) ------------------------------------------ */

struct pairing {
	char token[TOKEN_LEN + 1];
	char pin[TLSCONN_PIN_LEN + 1];
};

/* "vmail-backup-mx 1 TOKEN PIN" into p (recipient_list.h). */
static bool parse_pairing(const char *line, struct pairing *p)
{
	return recipient_pairing_parse(line, p->token, p->pin);
}

static bool load_pairing(const struct vm_config *cfg, struct pairing *p)
{
	char path[700];
	size_t len;
	char *text;
	bool ok;

	if (!etc_path(path, sizeof path, "pairing"))
		return false;
	if (!(text = vm_read_file(path, &len))) {
		if (errno == ENOENT)
			vm_err("not paired with the primary yet: run 'vmailctl "
			       "backup-mx token %s' on the primary (%s) and "
			       "give its output to 'vmailctl backup-mx pair' "
			       "here", cfg->hostname, cfg->primary);
		else
			vm_errno("cannot read %s", path);
		return false;
	}
	text[strcspn(text, "\n")] = '\0';
	ok = parse_pairing(text, p);
	vm_explicit_bzero(text, len);
	free(text);
	if (!ok)
		vm_err("%s is damaged: pair again ('vmailctl backup-mx pair')",
		       path);
	return ok;
}

static bool check_backup_role(const struct vm_config *cfg, const char *cmd)
{
	if (!is_backup(cfg) || !cfg->primary[0]) {
		vm_err("backup-mx %s: this server is not a backup MX (set "
		       "[server] role = backup-mx and primary = HOST, e.g. "
		       "vmailctl setup --role backup-mx --primary HOST)", cmd);
		return false;
	}
	return true;
}

/* Write name under the state dir; 1 changed, 0 same, -1 error. */
static int write_state(const char *name, const char *data, size_t len)
{
	char path[700];
	uid_t uid;
	gid_t gid;

	if (!vm_snprintf(path, sizeof path, "%s/%s", state_dir(), name)) {
		vm_err("%s: path too long", state_dir());
		return -1;
	}
	vm_root_group_owner("postfix", &uid, &gid);
	return vm_write_file_if_changed(path, data, len, 0640, uid, gid);
}

/* The hand-over's TLS policy: "[PRIMARY]:25 fingerprint match=AB:CD:..."
 * (Postfix matches the SHA-256 of the key as well as the certificate's). */
static int write_tls_policy(const struct vm_config *cfg, const char *pin)
{
	char text[600];
	size_t n;

	n = (size_t)snprintf(text, sizeof text, "# The primary's pinned key "
			     "(vmailctl backup-mx pair); do not edit.\n"
			     "[%s]:25 fingerprint match=", cfg->primary);
	for (size_t i = 0; pin[i] && n + 4 < sizeof text; i += 2)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s%c%c",
				      i ? ":" : "", pin[i] - (pin[i] >= 'a' ?
							      'a' - 'A' : 0),
				      pin[i + 1] - (pin[i + 1] >= 'a' ?
						    'a' - 'A' : 0));
	n += (size_t)snprintf(text + n, sizeof text - n, "\n");
	return write_state(RECIPIENT_LIST_TLS_POLICY, text, strlen(text));
}

int cmd_backup_mx_sync(const struct vm_config *cfg, bool reload)
{
	char pin[TLSCONN_PIN_LEN + 1];
	struct recipient_list l = RECIPIENT_LIST_INIT;
	struct vm_buf maps[2] = { VM_BUF_INIT, VM_BUF_INIT };
	struct pairing p;
	struct tlsconn *c;
	char why[768], answer[256], line[8 + TOKEN_LEN];
	size_t len = 0;
	char *text;
	int changed = 0, rc;

	if (!load_pairing(cfg, &p))
		return VM_EXIT_FAIL;
	c = tlsconn_connect(cfg->primary, RECIPIENT_LIST_PORT, p.pin,
			    IO_TIMEOUT, why, sizeof why);
	if (!c) {
		vm_explicit_bzero(&p, sizeof p);
		vm_err("cannot fetch the recipient list: %s; the last one "
		       "stays in use", why);
		return VM_EXIT_FAIL;
	}
	memcpy(pin, p.pin, sizeof pin);
	snprintf(line, sizeof line, "LIST %s\n", p.token);
	vm_explicit_bzero(&p, sizeof p);
	if (!tlsconn_write(c, line, strlen(line)) ||
	    !tlsconn_read_line(c, answer, sizeof answer)) {
		vm_explicit_bzero(line, sizeof line);
		tlsconn_close(c);
		vm_err("cannot fetch the recipient list: %s closed the "
		       "connection; the last one stays in use", cfg->primary);
		return VM_EXIT_FAIL;
	}
	vm_explicit_bzero(line, sizeof line);
	if (strcmp(answer, "OK")) {
		for (char *q = answer; *q; q++)
			if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
				*q = '?';
		tlsconn_close(c);
		vm_err("%s refused to send the recipient list (\"%s\"): is this "
		       "server in its [server] backup_mx, and the pairing line "
		       "its current one? The last list stays in use",
		       cfg->primary, answer);
		return VM_EXIT_FAIL;
	}
	text = tlsconn_read_all(c, RECIPIENT_LIST_MAX, &len, why, sizeof why);
	tlsconn_close(c);
	if (!text) {
		vm_err("cannot fetch the recipient list from %s: %s; the last "
		       "one stays in use", cfg->primary, why);
		return VM_EXIT_FAIL;
	}
	if (!recipient_list_parse(text, len, &l, why, sizeof why)) {
		free(text);
		vm_err("the recipient list from %s is not valid (%s); the "
		       "last one stays in use", cfg->primary, why);
		return VM_EXIT_FAIL;
	}
	recipient_list_domains_map(&l, &maps[0]);
	recipient_list_rcpts_map(&l, &maps[1]);
	recipient_list_free(&l);
	rc = vm_ensure_dir(state_dir(), 0750, 0, 0) < 0 || maps[0].nomem ||
	     maps[1].nomem ? -1 : 0;
	/* The maps first, then the copy "list" prints. */
	for (int i = 0; rc >= 0 && i < 2; i++) {
		rc = write_state(i ? RECIPIENT_LIST_RCPTS : RECIPIENT_LIST_DOMAINS,
				 maps[i].data, maps[i].len);
		changed |= rc > 0;
	}
	if (rc >= 0) {
		rc = write_tls_policy(cfg, pin);
		changed |= rc > 0;
	}
	if (rc >= 0)
		rc = write_state("list", text, len);
	if (rc >= 0) {
		char stamp[32];

		snprintf(stamp, sizeof stamp, "%lld\n", (long long)time(NULL));
		rc = write_state("synced", stamp, strlen(stamp));
	}
	free(text);
	vm_buf_free(&maps[0]);
	vm_buf_free(&maps[1]);
	if (rc < 0)
		return VM_EXIT_FAIL;
	/* smtpd reads texthash: maps when it starts: a reload makes new
	 * processes. */
	if (changed && reload && service_running("postfix") &&
	    service_reload("postfix") < 0)
		return VM_EXIT_FAIL;
	return VM_EXIT_OK;
}

static int bmx_sync(int argc, char **argv)
{
	struct vm_config cfg;
	int ret = cmd_parse_help_only("backup-mx sync", argc, argv, sync_usage);

	if (ret >= 0)
		return ret;
	if (argc != optind)
		return cmd_usage_error(sync_usage, "backup-mx sync: no operands");
	if (!cmd_load_config(&cfg) || !check_backup_role(&cfg, "sync"))
		return VM_EXIT_FAIL;
	return cmd_backup_mx_sync(&cfg, true);
}

static int bmx_pair(int argc, char **argv)
{
	char line[PAIRING_MAX + 2], path[700], dir[700];
	struct pairing p;
	struct vm_config cfg;
	int ret = cmd_parse_help_only("backup-mx pair", argc, argv, pair_usage);
	bool ok;

	if (ret >= 0)
		return ret;
	if (argc != optind)
		return cmd_usage_error(pair_usage, "backup-mx pair: no operands "
				       "(the pairing line comes on standard input)");
	if (!cmd_load_config(&cfg) || !check_backup_role(&cfg, "pair"))
		return VM_EXIT_FAIL;
	if (!vm_read_secret_stdin(line, sizeof line))
		return VM_EXIT_FAIL;
	ok = parse_pairing(line, &p);
	vm_explicit_bzero(&p, sizeof p);
	if (!ok) {
		vm_explicit_bzero(line, sizeof line);
		vm_err("backup-mx pair: that is not a pairing line (expected "
		       "\"" PAIRING_MAGIC " TOKEN PIN\", the output of "
		       "'vmailctl backup-mx token HOST' on the primary)");
		return VM_EXIT_FAIL;
	}
	strcat(line, "\n");
	ok = etc_path(dir, sizeof dir, NULL) && etc_path(path, sizeof path,
							  "pairing") &&
	     vm_ensure_dir(dir, 0700, (uid_t)-1, (gid_t)-1) >= 0 &&
	     vm_write_file_if_changed(path, line, strlen(line), 0600, (uid_t)-1,
				      (gid_t)-1) >= 0;
	vm_explicit_bzero(line, sizeof line);
	if (!ok)
		return VM_EXIT_FAIL;
	return cmd_backup_mx_sync(&cfg, true);
}

/* ---- list ----------------------------------------------------------- */

static int bmx_list(int argc, char **argv)
{
	struct vm_config cfg;
	struct vm_buf b = VM_BUF_INIT;
	int ret = cmd_parse_help_only("backup-mx list", argc, argv, list_usage);

	if (ret >= 0)
		return ret;
	if (argc != optind)
		return cmd_usage_error(list_usage, "backup-mx list: no operands");
	if (!cmd_load_config(&cfg))
		return VM_EXIT_FAIL;
	if (is_backup(&cfg)) {
		char path[700];
		size_t len;
		char *text;

		if (!vm_snprintf(path, sizeof path, "%s/list", state_dir()))
			return VM_EXIT_FAIL;
		if (!(text = vm_read_file(path, &len))) {
			vm_errno("no recipient list yet (%s); see 'vmailctl "
				 "backup-mx sync'", path);
			return VM_EXIT_FAIL;
		}
		fwrite(text, 1, len, stdout);
		free(text);
	} else {
		struct store *s = cmd_open_store_existing(&cfg);
		enum store_status st;

		if (!s)
			return VM_EXIT_FAIL;
		st = recipient_list_text(s, &b);
		store_close(s);
		if (st != STORE_OK || b.nomem) {
			vm_err("cannot list the directory");
			vm_buf_free(&b);
			return VM_EXIT_FAIL;
		}
		fwrite(b.data, 1, b.len, stdout);
		vm_buf_free(&b);
	}
	return cmd_flush_stdout();
}

/* "NAME" under the state dir, read (NULL if missing). */
static char *read_state(const char *name, size_t *len)
{
	char path[700];

	if (!vm_snprintf(path, sizeof path, "%s/%s", state_dir(), name))
		return NULL;
	return vm_read_file(path, len);
}

static int bmx_status(int argc, char **argv)
{
	struct recipient_list l = RECIPIENT_LIST_INIT;
	struct vm_config cfg;
	char path[700], why[256];
	long long synced = -1;
	size_t len = 0;
	bool json = false, paired, parsed = false;
	char *text;
	int ret = cmd_parse_json_opts("backup-mx status", argc, argv,
				      status_usage, &json);

	if (ret >= 0)
		return ret;
	if (argc != optind)
		return cmd_usage_error(status_usage,
				       "backup-mx status: no operands");
	if (!cmd_load_config(&cfg) || !check_backup_role(&cfg, "status") ||
	    !etc_path(path, sizeof path, "pairing"))
		return VM_EXIT_FAIL;
	paired = access(path, F_OK) == 0;
	if ((text = read_state("synced", &len))) {
		synced = strtoll(text, NULL, 10);
		free(text);
	}
	if ((text = read_state("list", &len))) {
		parsed = recipient_list_parse(text, len, &l, why, sizeof why);
		free(text);
	}
	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "primary",
				       json_object_new_string(cfg.primary));
		json_object_object_add(o, "paired",
				       json_object_new_boolean(paired));
		json_object_object_add(o, "synced", synced >= 0 ?
				       json_object_new_int64(synced) : NULL);
		json_object_object_add(o, "domains",
				       json_object_new_int64((int64_t)l.domains.n));
		json_object_object_add(o, "addresses",
				       json_object_new_int64((int64_t)l.rcpts.n));
		recipient_list_free(&l);
		return out_json(o) < 0 ? VM_EXIT_FAIL : VM_EXIT_OK;
	}
	printf("primary:   %s\n", cfg.primary);
	printf("paired:    %s\n", paired ? "yes" : "no (see 'vmailctl "
	       "backup-mx pair --help')");
	if (synced >= 0) {
		char when[64];
		time_t t = (time_t)synced;
		struct tm tm;

		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC",
			 gmtime_r(&t, &tm));
		printf("synced:    %s (%lld s ago)\n", when,
		       (long long)time(NULL) - synced);
	} else {
		printf("synced:    never\n");
	}
	printf("domains:   %zu\naddresses: %zu%s\n", l.domains.n, l.rcpts.n,
	       parsed || synced < 0 ? "" : " (the stored list is damaged)");
	recipient_list_free(&l);
	return cmd_flush_stdout();
}

int cmd_backup_mx(int argc, char **argv)
{
	static const struct subcommand subs[] = {
		{ "token", bmx_token },
		{ "pair", bmx_pair },
		{ "sync", bmx_sync },
		{ "list", bmx_list },
		{ "status", bmx_status },
		{ "serve", bmx_serve },
	};

	return cmd_dispatch(argc, argv, subs, sizeof subs / sizeof subs[0],
			    bmx_usage);
}
