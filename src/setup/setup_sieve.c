/*
 * setup_sieve.c - compile the global Sieve scripts after they are
 * installed (setup_render.c installs them), as Dovecot, running as
 * vmail, cannot write the binaries next to them.
 *
 * sievec is given the new dovecot.conf with -c: without it, it would ask
 * the running Dovecot's config service, which still has the old
 * configuration until Dovecot is reloaded at the end of setup, and the
 * Sieve plugins the scripts need (IMAPSieve, extprograms) might not be
 * loaded there yet.
 */
#include <stdbool.h>

#include "setup/setup.h"
#include "lib/diag.h"
#include "lib/process.h"

bool setup_compile_sieve(const char *config_file, const char *script)
{
	const char *argv[] = { "sievec", "-c", config_file, script, NULL };

	vm_progress("Compiling %s", script);
	if (vm_run_quiet(argv) != 0) {
		vm_err("'sievec -c %s %s' failed", config_file, script);
		return false;
	}
	return true;
}
