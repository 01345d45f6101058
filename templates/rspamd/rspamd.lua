{{! templates/rspamd/rspamd.lua - rendered by "vmailctl setup" into /etc/rspamd/local.d/rspamd.lua (rspamd loads that file itself, after its own rules) }}
-- /etc/rspamd/local.d/rspamd.lua - vmail's own rspamd rules.
--
-- Written by "vmailctl setup"; your own Lua rules go in
-- /etc/rspamd/rspamd.local.lua (or /etc/rspamd/lua.local.d/ with
-- rspamd 3.8 and later), which setup never touches.
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
-- Greylisting is off ([spam] greylisting = no): no rules here.
{{/greylisting}}
