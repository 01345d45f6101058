/*
 * privdrop.h - give up root for good, before reading anything from the
 * network (OpenSMTPD's model): what needs privileges (keys, secrets,
 * the directory) is read first, then the process becomes an
 * unprivileged system user and only then talks to the peer.
 *
 *	c = tlsconn_server(0, cert, key, ...);       key read as root
 *	if (!vm_drop_privileges("_vmail-bmx", why, sizeof why))
 *		fail;
 *	tlsconn_handshake(c, ...);                   the peer, as _vmail-bmx
 *
 * The caller needs CAP_SETUID and CAP_SETGID (and nothing else: the
 * systemd unit gives exactly those).  Afterwards the real, effective and
 * saved IDs are the user's, the supplementary groups only its group,
 * and every capability is gone (effective, permitted, inheritable); the
 * process cannot get root back (this is checked: a setuid(0) that
 * succeeds is a failure).
 */
#ifndef VMAIL_PRIVDROP_H
#define VMAIL_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>

bool vm_drop_privileges(const char *user, char *why, size_t whylen);

#endif
