{{! templates/rspamd/rspamd.lua - rendered by "vmailctl setup" into /etc/rspamd/local.d/rspamd.lua }}
-- /etc/rspamd/local.d/rspamd.lua - rspamd runs this file when it loads
-- its rules.
--
-- Written by "vmailctl setup" from [spam] engine in /etc/vmail/vmail.conf.
-- (Your own Lua rules go in /etc/rspamd/rspamd.local.lua.)
{{#spamassassin}}
--
-- [spam] engine = spamassassin: SpamAssassin's score is the score.
-- external_services.conf makes rspamd ask spamd and insert SPAMD with
-- SpamAssassin's score as its weight.  Here, once every module has
-- registered its symbols, SPAMD is given the score 1 and every other
-- symbol the score 0: rspamd's own rules, Bayes, fuzzy hashes and
-- composites still run and are logged, but do not count.  So the
-- thresholds of actions.conf (reject, add_header, greylist) compare
-- SpamAssassin's score alone.  Forced actions are not scores and still
-- apply: viruses, a failed scanner (force_actions.conf), rate limits,
-- greylisting's "try again", a sender domain's DMARC policy.
local rspamd_logger = require "rspamd_logger"

local VMAIL_PRIORITY = 100   -- above local.d and override.d scores

rspamd_config:add_post_init(function()
  local zeroed = 0
  for name, _ in pairs(rspamd_config:get_symbols_scores() or {}) do
    if name ~= 'SPAMD' then
      rspamd_config:set_metric_symbol({
        name = name, score = 0.0, priority = VMAIL_PRIORITY,
      })
      zeroed = zeroed + 1
    end
  end
  rspamd_config:set_metric_symbol({
    name = 'SPAMD', score = 1.0, priority = VMAIL_PRIORITY,
    description = "SpamAssassin's score (spamd)",
  })
  rspamd_logger.infox(rspamd_config,
    'vmail: [spam] engine = spamassassin: SPAMD (SpamAssassin) scores, ' ..
    '%s other symbols count 0', zeroed)
end)
{{/spamassassin}}
{{^spamassassin}}
-- [spam] engine = rspamd: nothing here; rspamd's rules score the mail.
{{/spamassassin}}
