/*
 * fuzz_socketmap.c - libFuzzer target for socketmap_parse() and
 * socketmap_reply() (src/lib/socketmap.c): the requests Postfix (or
 * anyone on 127.0.0.1) sends to "vmailctl tls-policy".
 *
 * The input is parsed request after request, as cmd_tls_policy.c does.
 * Checks that a request never reaches past the input, that its name and
 * key lie inside it, that a parsed request written back as a netstring
 * parses to the same name and key, and that a reply is a netstring of
 * the length it says.   make fuzz
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/socketmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct socketmap_request *req)
{
	size_t nlen = strlen(req->name), total = nlen + 1 + req->key_len;
	char *again = malloc(total + 16);
	struct socketmap_request back;
	size_t used;
	int n;

	if (!again)
		return;
	n = snprintf(again, total + 16, "%zu:%s ", total, req->name);
	memcpy(again + n, req->key, req->key_len);
	again[n + req->key_len] = ',';
	if (socketmap_parse(again, (size_t)n + req->key_len + 1, &back,
			    &used) != 1 ||
	    used != (size_t)n + req->key_len + 1 ||
	    strcmp(back.name, req->name) != 0 ||
	    back.key_len != req->key_len ||
	    memcmp(back.key, req->key, req->key_len) != 0)
		abort();
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p;
	size_t left = size;
	struct socketmap_request req;
	char reply[512];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	p = buf;
	for (;;) {
		size_t used = 0;
		int rc = socketmap_parse(p, left, &req, &used);

		if (rc != 1)
			break;
		if (used == 0 || used > left || req.key < p ||
		    req.key + req.key_len > p + used ||
		    strlen(req.name) > SOCKETMAP_NAME_MAX ||
		    memchr(req.key, '\0', req.key_len))
			abort();
		check_round_trip(&req);
		if (req.key_len < 200) {
			size_t r = socketmap_reply("TEMP", req.key, reply,
						   sizeof reply);
			char *colon = strchr(reply, ':');

			if (!r || !colon || reply[r - 1] != ',' ||
			    (size_t)atoi(reply) != r - (size_t)(colon - reply) - 2)
				abort();
		}
		p += used;
		left -= used;
	}
	free(buf);
	return 0;
}
