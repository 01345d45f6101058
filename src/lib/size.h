/*
 * size.h - parse and print byte sizes such as quotas and message limits.
 *
 * Accepted: a non-negative integer, optionally followed by one unit
 * letter K, M, G or T (binary: 1K = 1024), optionally followed by "B"
 * or "iB" ("10M", "10MB", "10MiB", "1536k", "0").  Also "unlimited"
 * (= 0).  Rejected with a reason: signs, empty number ("M"), unknown
 * units ("12GIGA"), decimals, whitespace, overflow past 2^63-1.
 */
#ifndef VMAIL_SIZE_H
#define VMAIL_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool parse_size(const char *s, uint64_t *out, char *why, size_t whylen);

#endif
