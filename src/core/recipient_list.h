/*
 * recipient_list.h - the list of recipients a backup MX may accept.
 *
 * A backup MX ([server] role = backup-mx) accepts mail for its primary's
 * domains, but only for addresses that exist there: anything else would
 * be accepted, then bounced when the primary refuses it, to a forged
 * sender (backscatter).  The primary sends it this list (vmailctl
 * backup-mx serve, over TLS, to a backup that presents its token; see
 * cmd_backup_mx.c and docs/backup-mx.md); the backup checks it and turns
 * it into Postfix's relay_domains and a check_recipient_access map (an
 * address not in it is verified with the primary: main.cf).
 *
 * The list is text, one record per line ('\n'), exactly:
 *
 *   vmail-recipients 1            the format and its version
 *   domain example.com            an active hosted domain
 *   rcpt alice@example.com        an address mail to it is accepted for:
 *                                 an active mailbox, or the source of an
 *                                 alias, of an active domain
 *   rcpt @example.com             a catch-all: every address of the domain
 *   end 3                         the number of domain and rcpt lines
 *
 * What it holds is what the primary's Postfix accepts (templates/postfix/
 * sqlite-*.cf): suspended domains and mailboxes are left out.  An "rcpt"
 * must be in a listed domain.  The "end" line makes a list cut short (a
 * connection lost half-way) an error rather than a shorter list.
 */
#ifndef VMAIL_RECIPIENT_LIST_H
#define VMAIL_RECIPIENT_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strlist.h"
#include "store/store.h"

#define RECIPIENT_LIST_MAGIC "vmail-recipients 1"
/* Where the primary serves it (TLS; vmail-backup-mx.socket). */
#define RECIPIENT_LIST_PORT "8025"
/* The primary's "backup-mx serve" reads its secrets and the directory as
 * root, then becomes this system user (lib/privdrop.h) before it reads a
 * byte from the network; setup creates it. */
#define RECIPIENT_SERVE_USER "_vmail-bmx"
/* Where a backup keeps it: the two maps of main.cf (relay_domains,
 * check_recipient_access, both texthash:) and the list as received. */
#define RECIPIENT_LIST_DIR "/var/lib/vmail/backup-mx"
#define RECIPIENT_LIST_DOMAINS "domains"
#define RECIPIENT_LIST_RCPTS "recipients"
/* ... and the TLS policy of the hand-over to the primary: its pinned key
 * (master.cf's vmail-primary transport). */
#define RECIPIENT_LIST_TLS_POLICY "tls-policy"
/* The largest list a backup takes (a sanity bound: ~200 000 addresses). */
#define RECIPIENT_LIST_MAX (16u * 1024 * 1024)

struct vm_buf;

/* The list of the store's directory appended to b (domains, then
 * addresses, each sorted).  STORE_OK, or the failed listing's status. */
enum store_status recipient_list_text(struct store *s, struct vm_buf *b);

/* A parsed list: the domains and the addresses ("local@domain" or
 * "@domain"), lower-case, as given. */
struct recipient_list {
	struct vm_strlist domains;
	struct vm_strlist rcpts;
};
#define RECIPIENT_LIST_INIT { VM_STRLIST_INIT, VM_STRLIST_INIT }

/* Parse and check text (len bytes, may hold NUL bytes: an error) into
 * out (empty on entry).  false with the reason in why (and out freed)
 * on any mistake: a bad line, a bad name, an address outside the listed
 * domains, a duplicate, no or a wrong "end" line. */
bool recipient_list_parse(const char *text, size_t len,
			  struct recipient_list *out, char *why,
			  size_t whylen);
void recipient_list_free(struct recipient_list *l);

/*
 * The pairing line a primary prints for a backup ("vmailctl backup-mx
 * token HOST") and the backup reads on standard input ("pair"):
 *   vmail-backup-mx 1 TOKEN PIN
 * TOKEN: 64 lower-case hex digits (the backup's secret); PIN: 64 lower-case
 * hex digits (SHA-256 of the primary's public key, tlsconn.h).  Exactly
 * that, nothing around it.  Fills token and pin (65 bytes each); false if
 * line is anything else.
 */
#define RECIPIENT_PAIRING_MAGIC "vmail-backup-mx 1"
#define RECIPIENT_TOKEN_LEN 64
#define RECIPIENT_PIN_LEN 64
bool recipient_pairing_parse(const char *line,
			     char token[RECIPIENT_TOKEN_LEN + 1],
			     char pin[RECIPIENT_PIN_LEN + 1]);
/* s is exactly len lower-case hex digits. */
bool recipient_is_hex(const char *s, size_t len);

/* The two Postfix "texthash:" maps of a parsed list, appended to b:
 * "KEY OK" per line, with a header comment: the domains for
 * relay_domains; the addresses for check_recipient_access (access(5):
 * a catch-all "@example.com" becomes "example.com", which matches every
 * address of the domain). */
void recipient_list_domains_map(const struct recipient_list *l,
				struct vm_buf *b);
void recipient_list_rcpts_map(const struct recipient_list *l,
			      struct vm_buf *b);

#endif
