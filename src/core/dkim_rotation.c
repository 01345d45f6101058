/*
 * dkim_rotation.c - the decisions of DKIM key rotation, without I/O.
 * See dkim_rotation.h for the rule and how cmd_dkim.c uses it.
 */
#include <stdio.h>
#include <string.h>

#include "core/dkim_rotation.h"

void dkim_rot_decide(const struct dkim_rot_in *in, struct dkim_rot_plan *p)
{
	memset(p, 0, sizeof *p);
	p->pending = p->active = -1;
	for (size_t i = 0; i < in->n; i++) {
		const struct dkim_rot_key *k = &in->keys[i];

		if (k->state == DKIM_ROT_ACTIVE && p->active < 0)
			p->active = (int)i;
		else if (k->state == DKIM_ROT_PENDING && p->pending < 0)
			p->pending = (int)i;
		else if (k->state == DKIM_ROT_RETIRED &&
			 in->now - k->since >= in->grace &&
			 p->nremove < DKIM_ROT_MAX_REMOVE)
			p->remove[p->nremove++] = i;
	}
	if (in->period <= 0)
		return;
	if (p->pending >= 0) {
		if (in->pending_visible == DKIM_VIS_SAME)
			p->activate = true;
		else
			p->waiting = true;
	} else if (p->active >= 0 &&
		   in->now - in->keys[p->active].since >= in->period) {
		p->create_pending = true;
	}
}

bool dkim_rot_may_activate(enum dkim_visibility v, bool force)
{
	return v == DKIM_VIS_SAME || force;
}

bool dkim_rot_parse_time(const char *text, time_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, s, end = 0;

	if (!text || sscanf(text, "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d,
			    &h, &mi, &s, &end) != 6 || text[end] != '\0' ||
	    end != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || s > 60 || y < 1970 || h < 0 || mi < 0 || s < 0)
		return false;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*out = timegm(&tm);
	return *out != (time_t)-1;
}

const char *dkim_visibility_name(enum dkim_visibility v)
{
	switch (v) {
	case DKIM_VIS_SAME: return "the same key";
	case DKIM_VIS_MISSING: return "nothing";
	case DKIM_VIS_OTHER: return "a different key";
	case DKIM_VIS_FAILED: return "no answer (the lookup failed)";
	case DKIM_VIS_UNKNOWN: break;
	}
	return "not looked up";
}
