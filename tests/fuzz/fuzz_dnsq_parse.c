/*
 * fuzz_dnsq_parse.c - libFuzzer target for dnsq_parse() (src/lib/dnsq.c),
 * the parser of the DNS answers "vmailctl check" reads from the network.
 *
 * The first byte picks the record type asked for, the rest is the
 * message.  Checks that a status other than ok keeps no records, that
 * every record is a NUL-terminated string of printable ASCII (rdata is
 * escaped in presentation form), and that nothing leaks.   make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnsq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {
		DNSQ_A, DNSQ_NS, DNSQ_CNAME, DNSQ_PTR, DNSQ_MX, DNSQ_TXT,
		DNSQ_AAAA, DNSQ_SRV, DNSQ_TLSA, DNSQ_CAA,
	};
	struct dnsq_answer a;

	if (size < 1)
		return 0;
	if (!dnsq_parse(data + 1, size - 1,
			types[data[0] % (sizeof types / sizeof *types)], &a))
		return 0;
	if (a.status != DNSQ_OK && a.n != 0)
		abort();
	if (a.status == DNSQ_OK && (a.n == 0 || a.n > DNSQ_MAX_RR))
		abort();
	for (size_t i = 0; i < a.n; i++)
		for (const char *p = a.rr[i]; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				abort();
	dnsq_answer_free(&a);
	return 0;
}
