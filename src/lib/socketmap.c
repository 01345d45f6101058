/*
 * socketmap.c - Postfix's socketmap protocol, the server side (see
 * socketmap.h): netstrings in, netstrings out.
 */
#include <stdio.h>
#include <string.h>

#include "lib/socketmap.h"

int socketmap_parse(char *buf, size_t len, struct socketmap_request *req,
		    size_t *used)
{
	size_t n = 0, i = 0, body;
	char *sp;

	/* LEN: 1-6 digits, no leading zero unless it is "0" */
	while (i < len && buf[i] >= '0' && buf[i] <= '9') {
		if (i == 6 || (i == 1 && buf[0] == '0'))
			return -1;
		n = n * 10 + (size_t)(buf[i] - '0');
		i++;
	}
	if (i == len)
		return len > 6 ? -1 : 0;
	if (i == 0 || buf[i] != ':' || n > SOCKETMAP_MAX)
		return -1;
	body = i + 1;
	if (len - body < n + 1)
		return 0;
	if (buf[body + n] != ',' || memchr(buf + body, '\0', n))
		return -1;
	if (!(sp = memchr(buf + body, ' ', n)))
		return -1;
	if (sp == buf + body || (size_t)(sp - (buf + body)) > SOCKETMAP_NAME_MAX)
		return -1;
	memcpy(req->name, buf + body, (size_t)(sp - (buf + body)));
	req->name[sp - (buf + body)] = '\0';
	req->key = sp + 1;
	req->key_len = (size_t)(buf + body + n - (sp + 1));
	buf[body + n] = '\0';
	*used = body + n + 1;
	return 1;
}

size_t socketmap_reply(const char *status, const char *data, char *out,
		       size_t size)
{
	size_t slen = strlen(status), dlen = data ? strlen(data) : 0;
	size_t body = slen + 1 + dlen;
	int n;

	if (body > SOCKETMAP_MAX)
		return 0;
	n = snprintf(out, size, "%zu:%s %s,", body, status, data ? data : "");
	if (n < 0 || (size_t)n >= size)
		return 0;
	return (size_t)n;
}
