/*
 * fuzz_recipient_list.c - libFuzzer target for recipient_list_parse()
 * (src/core/recipient_list.c), the backup MX's parser of what the
 * primary sends over the network.
 *
 * The same input, as a C string, also goes to recipient_pairing_parse()
 * (the pairing line "backup-mx pair" reads on standard input): what it
 * accepts is exactly the magic, 64 hex digits and 64 hex digits.
 *
 * Checks that a list it accepts holds only valid, sorted, distinct
 * names, every address in a listed domain, and that the maps made of it
 * have one "KEY OK" line per entry (no line break can be smuggled into
 * a key).   make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/recipient_list.h"
#include "lib/buf.h"
#include "lib/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recipient_list l = RECIPIENT_LIST_INIT;
	struct vm_buf b = VM_BUF_INIT;
	char why[256], *map, *line, token[RECIPIENT_TOKEN_LEN + 1];
	char pin[RECIPIENT_PIN_LEN + 1];

	if ((line = malloc(size + 1))) {
		memcpy(line, data, size);
		line[size] = '\0';
		if (recipient_pairing_parse(line, token, pin) &&
		    (strlen(line) != sizeof RECIPIENT_PAIRING_MAGIC +
		     RECIPIENT_TOKEN_LEN + 1 + RECIPIENT_PIN_LEN ||
		     !recipient_is_hex(token, RECIPIENT_TOKEN_LEN) ||
		     !recipient_is_hex(pin, RECIPIENT_PIN_LEN) ||
		     strncmp(line + sizeof RECIPIENT_PAIRING_MAGIC, token,
			     RECIPIENT_TOKEN_LEN)))
			abort();
		free(line);
	}
	if (!recipient_list_parse((const char *)data, size, &l, why, sizeof why))
		return 0;
	for (size_t i = 0; i < l.domains.n; i++)
		if (!valid_domain(l.domains.v[i], NULL, 0) ||
		    (i && strcmp(l.domains.v[i - 1], l.domains.v[i]) >= 0))
			abort();
	for (size_t i = 0; i < l.rcpts.n; i++)
		if (!valid_alias_source(l.rcpts.v[i], NULL, 0) ||
		    (i && strcmp(l.rcpts.v[i - 1], l.rcpts.v[i]) >= 0))
			abort();
	recipient_list_rcpts_map(&l, &b);
	map = vm_buf_take(&b, NULL);
	if (map && lines(map) != l.rcpts.n + 2)
		abort();
	free(map);
	recipient_list_free(&l);
	return 0;
}
