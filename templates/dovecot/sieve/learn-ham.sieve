# /etc/dovecot/sieve/learn-ham.sieve - teach the spam filter that a
# message is not spam.
#
# Written by "vmailctl setup" from the vmail template
# dovecot/sieve/learn-ham.sieve; compiled with sievec.  IMAPSieve runs
# it when a user moves (or copies) a message out of Junk into any other
# folder, and hands the message to the spam engine's learning program
# ("rspamc learn_ham" or "spamc -L ham"; see learn-spam.sieve).  A
# message moved to Trash is only being thrown away, not declared good:
# nothing is learned.
require ["vnd.dovecot.pipe", "copy", "imapsieve", "environment", "variables"];

if environment :matches "imap.mailbox" "*" {
  set "mailbox" "${1}";
}
if string "${mailbox}" "Trash" {
  stop;
}

{{#spamassassin}}
pipe :copy "spamc" ["-L", "ham"];
{{/spamassassin}}
{{^spamassassin}}
pipe :copy "rspamc" ["learn_ham"];
{{/spamassassin}}
