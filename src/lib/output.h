/*
 * output.h - how commands print results: human-readable text by default,
 * JSON (via json-c) when --json is given.  Commands build a json_object
 * for --json and call out_json(), which prints it pretty and flushes.
 */
#ifndef VMAIL_OUTPUT_H
#define VMAIL_OUTPUT_H

#include <json-c/json.h>
#include <stdint.h>

/* Print obj to stdout as pretty JSON followed by a newline, then release
 * it (json_object_put). Returns 0, or -1 on write error. */
int out_json(struct json_object *obj);

/* Format a byte count for humans: "0", "512", "10M", "1.5G" (binary
 * units). buf must hold at least 32 bytes. Returns buf. */
const char *out_size(uint64_t bytes, char *buf);

#endif
