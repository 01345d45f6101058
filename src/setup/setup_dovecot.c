/*
 * setup_dovecot.c - which Dovecot is installed, and so which template
 * family (templates/dovecot/2.3 or templates/dovecot/2.4) describes it.
 *
 * Dovecot 2.4 changed the configuration language, so the two families
 * are separate sets of files with the same features.  "dovecot
 * --version" prints e.g. "2.3.19.1 (9b53102964)"; the first two numbers
 * pick the family.  Also used by "vmailctl quota-warning", whose
 * dovecot-lda options differ between the two.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup/setup.h"
#include "lib/diag.h"
#include "lib/process.h"
#include "lib/str.h"

bool setup_dovecot_family(char *family, size_t size)
{
	const char *argv[] = { "dovecot", "--version", NULL };
	char *out = NULL;
	unsigned major, minor;
	int rc = vm_run(argv, NULL, &out);

	if (rc != 0 || !out) {
		vm_err("cannot run 'dovecot --version'; is dovecot-core "
		       "installed?");
		free(out);
		return false;
	}
	if (sscanf(out, "%u.%u", &major, &minor) != 2) {
		vm_err("cannot understand 'dovecot --version': %.40s", out);
		free(out);
		return false;
	}
	free(out);
	if (major != 2 || (minor != 3 && minor != 4)) {
		vm_err("Dovecot %u.%u is not supported (vmail has templates "
		       "for 2.3 and 2.4)", major, minor);
		return false;
	}
	return vm_snprintf(family, size, "%u.%u", major, minor);
}
