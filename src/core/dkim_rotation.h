/*
 * dkim_rotation.h - when a domain's DKIM keys move on: the decisions of
 * "vmailctl dkim rotate --activate" and of the rotation job ("vmailctl
 * dkim rotate --auto", run daily by vmail-dkim-rotate.timer), as a pure
 * function of the keys' states and ages, the clock and what DNS serves.
 * Used by cmd_dkim.c; unit-tested with a fake clock
 * (tests/unit/test_dkim_rotation.c).
 *
 *	struct dkim_rot_key keys[] = { { "vm20260101", DKIM_ROT_ACTIVE, t0 } };
 *	struct dkim_rot_in in = { keys, 1, now, cfg.dkim_rotate,
 *				  DKIM_RETIRE_GRACE, DKIM_VIS_UNKNOWN };
 *	struct dkim_rot_plan p;
 *	dkim_rot_decide(&in, &p);    p.create_pending, p.activate, ...
 *
 * The rule (issue 8): mail is only signed with a key DNS serves, and a
 * retired key stays published until mail signed with it has arrived.
 *   1. A retired key whose grace period (DKIM_RETIRE_GRACE after it was
 *      retired) is over is removed: its file, its row, and so its record
 *      in "vmailctl dns".
 *   2. A pending key is activated once DNS serves its record with the
 *      same p= key; until then the job waits (and says what to publish).
 *   3. Without a pending key, an active key that has signed for at least
 *      the period ([dkim] rotate; 0 = never) gets a pending successor.
 * Times are seconds since the epoch; a key's "since" is when it entered
 * its state (store: COALESCE(changed, created)).
 */
#ifndef VMAIL_DKIM_ROTATION_H
#define VMAIL_DKIM_ROTATION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* How long a retired key stays published (and its file kept) after the
 * new key took over: 7 days.  Mail signed with the old key may sit in
 * queues for days (Postfix gives up after 5 by default) and receivers
 * verify when it arrives, sometimes again later (forwarders, ARC). */
#define DKIM_RETIRE_GRACE (7L * 24 * 3600)

/* At most this many retired keys are removed in one decision. */
#define DKIM_ROT_MAX_REMOVE 16

enum dkim_rot_state { DKIM_ROT_ACTIVE, DKIM_ROT_PENDING, DKIM_ROT_RETIRED };

/* What DNS serves at SELECTOR._domainkey.DOMAIN for the pending key. */
enum dkim_visibility {
	DKIM_VIS_UNKNOWN,   /* not looked up (no pending key) */
	DKIM_VIS_SAME,      /* a DKIM record with the pending key's p= */
	DKIM_VIS_MISSING,   /* no record (NXDOMAIN, NODATA) */
	DKIM_VIS_OTHER,     /* a record with another key, or not DKIM */
	DKIM_VIS_FAILED,    /* the lookup failed (SERVFAIL, timeout) */
};

struct dkim_rot_key {
	const char *selector;
	enum dkim_rot_state state;
	time_t since;             /* when it entered its state */
};

struct dkim_rot_in {
	const struct dkim_rot_key *keys;
	size_t n;
	time_t now;
	long period;              /* [dkim] rotate in seconds, 0 = never */
	long grace;               /* DKIM_RETIRE_GRACE (tests: others) */
	enum dkim_visibility pending_visible;
};

struct dkim_rot_plan {
	size_t remove[DKIM_ROT_MAX_REMOVE];  /* indexes of retired keys */
	size_t nremove;
	bool activate;            /* pending -> active, active -> retired */
	bool create_pending;      /* make a pending successor */
	bool waiting;             /* a pending key DNS does not serve yet */
	int pending;              /* index of the pending key, -1 none */
	int active;               /* index of the active key, -1 none */
};

/* The rotation job's decision for one domain (rules 1-3 above).  With
 * period 0 only rule 1 applies. */
void dkim_rot_decide(const struct dkim_rot_in *in, struct dkim_rot_plan *p);

/* "--activate" by hand: may the pending key become active?  Only when
 * DNS serves it (DKIM_VIS_SAME), or when forced. */
bool dkim_rot_may_activate(enum dkim_visibility v, bool force);

/* A store time "YYYY-MM-DD HH:MM:SS" (UTC, SQLite datetime()) as
 * seconds since the epoch; false if it does not parse. */
bool dkim_rot_parse_time(const char *text, time_t *out);

/* "nothing", "a different key", ... for messages. */
const char *dkim_visibility_name(enum dkim_visibility v);

#endif
