# /etc/dovecot/sieve/learn-spam.sieve - teach the spam filter that a
# message is spam.
#
# Written by "vmailctl setup" from the vmail template
# dovecot/sieve/learn-spam.sieve; compiled with sievec.  IMAPSieve runs
# it when a user moves (or copies) a message into Junk, and hands the
# message to the spam engine's learning program:
#   rspamd        "rspamc learn_spam", which gives it to rspamd's
#                 controller (localhost:11334); rspamd adds its words to
#                 the Bayes statistics in Redis;
#   SpamAssassin  "spamc -L spam", which gives it to spamd.
# Only global scripts such as this one may use "pipe"
# (sieve_global_extensions), and only run programs in
# sieve_pipe_bin_dir (/usr/bin).  If the program fails, Dovecot logs it
# and the move still succeeds.
require ["vnd.dovecot.pipe", "copy", "imapsieve"];

{{#spamassassin}}
pipe :copy "spamc" ["-L", "spam"];
{{/spamassassin}}
{{^spamassassin}}
pipe :copy "rspamc" ["learn_spam"];
{{/spamassassin}}
