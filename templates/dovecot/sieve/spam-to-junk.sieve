# /etc/dovecot/sieve/spam-to-junk.sieve - file spam into Junk.
#
# Written by "vmailctl setup" from the vmail template
# dovecot/sieve/spam-to-junk.sieve; compiled with sievec.  Dovecot runs
# it for every delivery after the user's own Sieve script (sieve_after),
# so a user's rules come first.  rspamd marks mail scoring at least
# [spam] add_header (/etc/vmail/vmail.conf) with "X-Spam: Yes".
require ["fileinto"];

if header :is "X-Spam" "Yes" {
  fileinto "Junk";
  stop;
}
