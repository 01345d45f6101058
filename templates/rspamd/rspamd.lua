{{! templates/rspamd/rspamd.lua - rendered by "vmailctl setup" into /etc/rspamd/local.d/rspamd.lua (rspamd loads that file itself, after its own rules) }}
-- /etc/rspamd/local.d/rspamd.lua - vmail's own rspamd rules, in Lua:
--   (engine = spamassassin)  SpamAssassin's score is the only score
--   VMAIL_GREYLIST_UNKNOWN   greylisting of every unknown sender
--   VMAIL_FROM_NOT_OWNED     logged-in users send as themselves only
--   VMAIL_RATELIMIT          outbound limits of logged-in users
--
-- Written by "vmailctl setup"; your own Lua rules go in
-- /etc/rspamd/rspamd.local.lua (or /etc/rspamd/lua.local.d/ with
-- rspamd 3.8 and later), which setup never touches.
{{#spamassassin}}
--
-- [spam] engine = spamassassin in /etc/vmail/vmail.conf: SpamAssassin's
-- score is the score.  (First in this file: a later section may end it
-- early with "return".)
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
{{#greylisting}}
--
-- VMAIL_GREYLIST_UNKNOWN: greylist every sender not seen before
-- ([spam] greylisting = yes in /etc/vmail/vmail.conf).
--
-- rspamd's greylist module (greylist.conf) greylists only messages that
-- score at least the greylist score.  It looks the triple (client
-- network, envelope sender, recipients) up in Redis before the rules
-- run and sets "grey_greylisted" when it has no record of it; this rule
-- then asks the module to greylist the message whatever its score
-- ("grey_greylisted_required", as rspamd's own mx_check does).  The
-- module itself leaves out logged-in users and this machine; this rule
-- also leaves out rspamd's local networks and the senders of the two
-- whitelists below.  Those are still greylisted when their message
-- scores at least the greylist score: a good sender's mail goes
-- straight through, a suspicious one waits.  Without Redis there is
-- no record to look up and nothing is greylisted.
--
-- The whitelists (rspamd re-reads them within a minute of a change; a
-- missing file is an empty list):
--   {{local_dir}}/greylist-whitelist-ip.map
--       client addresses or networks, one per line: 192.0.2.25,
--       198.51.100.0/24, 2001:db8::/32
--   {{local_dir}}/greylist-whitelist-hosts.map
--       client host names or their domains, one per line: google.com
--       covers mail-xyz.google.com.  The name is the one Postfix
--       verified (reverse and forward DNS agree), not the HELO name.

local lua_maps = require "lua_maps"

local whitelist_ip = lua_maps.map_add_from_ucl(
  '{{local_dir}}/greylist-whitelist-ip.map', 'radix',
  'vmail: clients not greylisted unless suspicious (addresses)')
local whitelist_hosts = lua_maps.map_add_from_ucl(
  '{{local_dir}}/greylist-whitelist-hosts.map', 'set',
  'vmail: clients not greylisted unless suspicious (host names)')

-- Is host name, or a domain it is in, in the host name whitelist?
local function whitelisted_host(name)
  while whitelist_hosts and name and name ~= '' do
    if whitelist_hosts:get_key(name:lower()) then
      return true
    end
    name = name:match('^[^.]*%.(.+)$')
  end
  return false
end

rspamd_config:register_symbol({
  name = 'VMAIL_GREYLIST_UNKNOWN',
  type = 'normal',
  score = 0.0,
  group = 'vmail',
  description = 'Sender not seen before: greylisted whatever the score',
  callback = function(task)
    local pool = task:get_mempool()
    local ip = task:get_ip()

    if pool:get_variable('grey_greylisted') ~= 'true' or task:get_user() then
      return false
    end
    if ip and ip:is_valid() and
        (ip:is_local() or (whitelist_ip and whitelist_ip:get_key(ip))) then
      return false
    end
    if whitelisted_host(task:get_hostname()) then
      return false
    end
    pool:set_variable('grey_greylisted_required', '1')
    return true
  end,
})
{{/greylisting}}
{{^greylisting}}
-- Greylisting is off ([spam] greylisting = no): no greylisting rule.
{{/greylisting}}

------------------------------------------------------------------------
--
-- VMAIL_FROM_NOT_OWNED: a logged-in user may send only as themselves
-- (docs/filtering.md, "Sender addresses").  Postfix already refuses a
-- MAIL FROM the user does not own (smtpd_sender_login_maps) and the
-- empty one; the header From, which is what the reader sees and what
-- the DKIM signature vouches for, is checked here with the same answer:
-- every address in it must be the user's mailbox or an alias that
-- delivers to them (a catch-all "@domain" covers the addresses of its
-- domain that are neither), read from the map vmailctl keeps,
--   {{sender_map}}
--       "ADDRESS OWNER[,OWNER...]"; rspamd re-reads it by itself
-- and looked up as Postfix does (the address, then without its
-- "+extension", then "@domain"; the first entry found decides).  A From
-- that is the envelope sender needs no lookup: Postfix has just checked
-- that one against the directory (smtpd_sender_login_maps), so it holds
-- at once for a new mailbox or alias, while the map is re-read within
-- about 3 seconds of a change (options.inc; an alias deleted that
-- recently may still be used as a From beside another envelope sender).
-- A message with no From header, more than one, or an address that is
-- not owned is refused at the end of DATA with "554 5.7.1", logged with
-- the user and the address, and never signed (the refusal ends the scan
-- before dkim_signing runs).  Mail from outside and from this machine
-- (sendmail, cron) is not checked.

local rspamd_logger = require "rspamd_logger"
local lua_util = require "lua_util"

local N_FROM = 'vmail_from'
local senders_map = rspamd_config:add_map({
  type = 'hash',
  url = '{{sender_map}}',
  description = 'vmail: which logins own which sender addresses',
})

-- An address as the map writes it (sender_map.c): lower case, every byte
-- other than a-z 0-9 @ . _ + - as %XX.
local function map_key(s)
  return (s:lower():gsub('[^a-z0-9@._+-]', function(c)
    return string.format('%%%02X', c:byte())
  end))
end

-- The map's entry for addr (lower case), searched as Postfix searches
-- smtpd_sender_login_maps; nil if there is none.
local function owners_of(addr)
  local user, domain = addr:match('^(.*)@([^@]+)$')
  if not user or not senders_map then
    return nil
  end
  local keys = { addr }
  local base = not user:find('@', 1, true) and user:match('^([^+]*)%+')
  if base then
    keys[#keys + 1] = base .. '@' .. domain
  end
  keys[#keys + 1] = '@' .. domain
  for _, k in ipairs(keys) do
    local owners = senders_map:get_key(map_key(k))
    if owners then
      return owners
    end
  end
  return nil
end

local function owned_by(addr, login)
  local me = map_key(login)
  for owner in (owners_of(addr) or ''):gmatch('[^,%s]+') do
    if owner == me then
      return true
    end
  end
  return false
end

-- Why the From header of a message from login is refused, or nil.
local function from_refusal(task, login)
  local n = task:get_header_count('From')
  local from = task:get_from('mime') or {}
  local envelope = (((task:get_from('smtp') or {})[1] or {}).addr or ''):lower()
  if n == 0 then
    return 'the message has no From header', '-'
  elseif n > 1 then
    return 'the message has more than one From header', '-'
  elseif #from == 0 then
    return 'the From header has no address', '-'
  end
  for _, a in ipairs(from) do
    local addr = (a.addr or ''):lower()
    -- The address exactly as its parts, which DKIM signing uses (so
    -- that no odd syntax names one domain here and another there).
    local whole = ((a.user or '') .. '@' .. (a.domain or '')):lower()
    -- The envelope sender was checked by Postfix a moment ago, against
    -- the directory itself; the map may be a few seconds older.
    if addr == '' or addr ~= whole or
        (addr ~= envelope and not owned_by(addr, login)) then
      return string.format('From address <%s> is not owned by user %s',
          a.addr or '', login), a.addr or ''
    end
  end
  return nil
end

rspamd_config:register_symbol({
  name = 'VMAIL_FROM_NOT_OWNED',
  type = 'prefilter',
  score = 0.0,
  group = 'vmail',
  description = 'A logged-in user sent as a From address they do not own',
  flags = 'empty,nostat',
  -- Before the outbound limits (a refused message does not count).
  priority = lua_util.symbols_priorities.high,
  callback = function(task)
    local login = task:get_user()
    if not login then
      return false
    end
    login = login:lower()
    local why, addr = from_refusal(task, login)
    if not why then
      return false
    end
    rspamd_logger.warnx(task, '%s: user %s, From %s: refused (5.7.1): %s',
        N_FROM, login, addr, why)
    task:insert_result('VMAIL_FROM_NOT_OWNED', 1.0, addr)
    task:set_pre_result('reject', 'Sender address rejected: ' .. why, N_FROM)
    return true
  end,
})

------------------------------------------------------------------------
--
-- Outbound limits (docs/filtering.md, "Outbound limits").  A logged-in
-- user may send so many messages, and to so many recipients, per hour:
--   the server's defaults   [limits] messages_per_hour and
--                           recipients_per_hour in /etc/vmail/vmail.conf
--                           (rendered below; "vmailctl setup" applies a
--                           change)
--   a user's own limits     "vmailctl user limit", kept in the directory
--                           and written to {{ratelimit_map}}
--                           ("ADDRESS MESSAGES RECIPIENTS", "-" = the
--                           default), which rspamd re-reads by itself
--   0                       no limit
-- A message that would go over either limit is refused with
-- "451 4.7.1 Rate limit reached: ..." at the end of DATA: the mail client
-- shows a temporary error and the message stays with the sender (never a
-- bounce).  It is logged in /var/log/rspamd/rspamd.log (and by Postfix,
-- "milter-reject ... Rate limit reached") with the user and the limit.
-- A refused message does not count.
--
-- The counters live in Redis, one hash per user ("vmail_rl:ADDRESS",
-- fields "messages" and "recipients"), made by the user's first message
-- and expiring an hour later; deleting it resets the user's hour.  Each
-- message is checked and counted in one Redis script, so parallel
-- sessions cannot slip past the limit.  If Redis cannot be reached, mail
-- goes through (and rspamd logs an error): a Redis hiccup must not stop
-- all outgoing mail.

local lua_redis = require "lua_redis"

local N = 'vmail_ratelimit'
local default_messages = {{messages_per_hour}}
local default_recipients = {{recipients_per_hour}}
local map_path = '{{ratelimit_map}}'
local window = 3600               -- seconds: the hour of the limits
local key_prefix = 'vmail_rl:'

-- KEYS[1] the user's hash; ARGV: message limit, recipient limit (0 = none),
-- recipients of this message, window.  Returns { verdict, messages,
-- recipients, seconds left } with verdict 0 (counted), 1 (over the
-- message limit) or 2 (over the recipient limit); a refused message is
-- not counted.
local check_script = [[
local key = KEYS[1]
local max_messages = tonumber(ARGV[1])
local max_recipients = tonumber(ARGV[2])
local nrcpt = tonumber(ARGV[3])
local messages = tonumber(redis.call('HGET', key, 'messages') or '0')
local recipients = tonumber(redis.call('HGET', key, 'recipients') or '0')
local ttl = redis.call('TTL', key)
if max_messages > 0 and messages + 1 > max_messages then
  return { 1, messages, recipients, ttl }
end
if max_recipients > 0 and recipients + nrcpt > max_recipients then
  return { 2, messages, recipients, ttl }
end
redis.call('HINCRBY', key, 'messages', 1)
redis.call('HINCRBY', key, 'recipients', nrcpt)
if ttl < 0 then
  ttl = tonumber(ARGV[4])
  redis.call('EXPIRE', key, ttl)
end
return { 0, messages + 1, recipients + nrcpt, ttl }
]]

local limits_map = rspamd_config:add_map({
  type = 'hash',
  url = map_path,
  description = 'vmail: hourly sending limits of single users',
})

-- One field of a map line: "-" (or anything odd) is the default.
local function limit_of(field, default)
  local n = tonumber(field or '-')
  if n == nil or n < 0 then
    return default
  end
  return math.floor(n)
end

local function limits_of(user)
  local messages, recipients = default_messages, default_recipients
  local line = limits_map and limits_map:get_key(user)
  if line then
    local m, r = string.match(line, '^%s*(%S+)%s+(%S+)')
    messages = limit_of(m, messages)
    recipients = limit_of(r, recipients)
  end
  return messages, recipients
end

local redis_params = lua_redis.parse_redis_server(N)

if not redis_params then
  rspamd_logger.errx(rspamd_config,
      '%s: no Redis servers configured; outbound limits are OFF', N)
  return
end

local script_id = lua_redis.add_redis_script(check_script, redis_params)

local function ratelimit_cb(task)
  local user = task:get_user()
  if not user then
    return     -- only logged-in users are limited
  end
  user = string.lower(user)
  local max_messages, max_recipients = limits_of(user)
  if max_messages == 0 and max_recipients == 0 then
    return
  end
  local rcpts = task:get_recipients('smtp') or {}
  local nrcpt = math.max(#rcpts, 1)
  local key = key_prefix .. user

  local function checked(err, data)
    if err or type(data) ~= 'table' then
      rspamd_logger.errx(task, '%s: cannot check the limits of %s in Redis ' ..
          '(message let through): %s', N, user, err)
      return
    end
    local verdict = tonumber(data[1])
    local minutes = math.max(1, math.ceil((tonumber(data[4]) or window) / 60))
    if verdict == 0 then
      lua_util.debugm(N, task, '%s: %s messages, %s recipients this hour',
          user, data[2], data[3])
      return
    end
    local what, limit
    if verdict == 1 then
      what, limit = 'messages', max_messages
    else
      what, limit = 'recipients', max_recipients
    end
    rspamd_logger.warnx(task, '%s: %s reached the hourly %s limit (%s); ' ..
        'this hour so far: %s messages, %s recipients; this message: %s ' ..
        'recipients; refused with 4xx, the hour ends in %s min', N, user,
        what, limit, data[2], data[3], nrcpt, minutes)
    local text
    if verdict == 1 then
      text = string.format('%s may send %d messages per hour', user, limit)
    else
      text = string.format('%s may send to %d recipients per hour', user, limit)
    end
    task:set_pre_result('soft reject', string.format(
        'Rate limit reached: %s; try again in %d minutes', text, minutes), N)
  end

  lua_redis.exec_redis_script(script_id,
      { key = key, task = task, is_write = true }, checked,
      { key }, { tostring(max_messages), tostring(max_recipients),
                 tostring(nrcpt), tostring(window) })
end

rspamd_config:register_symbol({
  name = 'VMAIL_RATELIMIT',
  type = 'prefilter',
  callback = ratelimit_cb,
  priority = lua_util.symbols_priorities.medium,
  flags = 'empty,nostat',
})
