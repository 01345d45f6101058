# /etc/dovecot/sieve/learn-spam.sieve - teach rspamd that a message is spam.
#
# Written by "vmailctl setup" from the vmail template
# dovecot/sieve/learn-spam.sieve; compiled with sievec.  IMAPSieve runs
# it when a user moves (or copies) a message into Junk: the message is
# handed to "rspamc learn_spam", which gives it to rspamd's controller
# (localhost:11334); rspamd adds its tokens to the Bayes statistics in
# Redis.  Only global scripts may use "pipe" (sieve_global_extensions),
# and the program must be in sieve_pipe_bin_dir (/usr/bin).
require ["vnd.dovecot.pipe", "copy", "imapsieve"];

pipe :copy "rspamc" ["learn_spam"];
