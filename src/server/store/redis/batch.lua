-- One batch of an instance's operations on the shared chat, run by Redis
-- as one script: atomically (no other client's command runs in between)
-- and in the order given. The instance's writer (writer.rs) sends
-- everything queued since its last batch this way, so a member's lines,
-- joins and nick changes reach Redis, and so every instance, in the order
-- they happened, in one round trip.
--
-- ARGV: prefix, instance, presence TTL (ms), lines kept per room, then the
-- operations, each as CODE, COUNT, and COUNT arguments. The reply holds one
-- result per operation, in order (never nil: a Lua array stops at a nil).
--
-- Keys and channels (all under the prefix; see mod.rs for the whole map):
--   chat                     channel: room lines, announcements, deletions
--   to:I                     channel: private messages for instance I
--   h:ROOM                   stream: the room's history
--   rooms                    set: rooms that ever had a member
--   instances                sorted set: instance -> deadline (ms)
--   i:I:r:ROOM               hash: I's member id -> nick, in ROOM
--   i:I:rooms                hash: room -> I's members in it
--   i:I:n                    hash: folded nick -> I's chatting members with it
--   i:I:claims, i:I:epoch    set of I's claimed nicks; I's process epoch
--   nick:FOLDED              string "I/id": the guest who claimed the nick
--   accounts                 hash: folded name -> name US phc
--   mail:FOLDED, seen:FOLDED list of "time US text"; hash room -> lines seen
--   throttle:KEY             hash: failures, last failure, not before (ms)

local P, I = ARGV[1], ARGV[2]
local TTL = tonumber(ARGV[3])
local KEEP = ARGV[4]
local US, RS = '\31', '\30'

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

-- An instance is alive until its deadline, which its heartbeat moves on
-- (every TTL/4, to TTL*3/4 ahead: two beats may be missed). Other
-- instances take a dead one's members out within the TTL.
local DEADLINE = math.floor(TTL * 3 / 4)
local KEY_TTL = TTL * 2

local function key(...) return P .. table.concat({ ... }) end
local function members_key(inst, room) return key('i:', inst, ':r:', room) end
local function rooms_key(inst) return key('i:', inst, ':rooms') end
local function nicks_key(inst) return key('i:', inst, ':n') end
local function claims_key(inst) return key('i:', inst, ':claims') end
local function epoch_key(inst) return key('i:', inst, ':epoch') end
local function nick_key(folded) return key('nick:', folded) end
local CHAT = key('chat')
local INSTANCES = key('instances')

local function alive(inst)
    local deadline = redis.call('ZSCORE', INSTANCES, inst)
    return deadline and tonumber(deadline) > now
end

local function live_instances()
    return redis.call('ZRANGEBYSCORE', INSTANCES, '(' .. string.format('%d', now), '+inf')
end

local function incr(hash, field, by)
    local n = redis.call('HINCRBY', hash, field, by)
    if n <= 0 then redis.call('HDEL', hash, field) end
end

local function announce(room, member, text)
    redis.call('PUBLISH', CHAT, table.concat({ 'A', room, I, member, text }, US))
end

-- The instance's presence keys expire unless its heartbeat refreshes them.
local function keep_alive(inst)
    for _, room in ipairs(redis.call('HKEYS', rooms_key(inst))) do
        redis.call('PEXPIRE', members_key(inst, room), KEY_TTL)
    end
    for _, k in ipairs({ rooms_key(inst), nicks_key(inst), claims_key(inst), epoch_key(inst) }) do
        redis.call('PEXPIRE', k, KEY_TTL)
    end
end

-- Lets go of the nick claimed as `holder`, if it still holds it.
local function release(holder, folded)
    local k = nick_key(folded)
    if redis.call('GET', k) == holder then
        redis.call('DEL', k)
        redis.call('SREM', claims_key(I), folded)
    end
end

-- Takes an instance out: its members leave their rooms (each room told
-- `why`, unless it is nil) and its claims and keys go.
local function reap(inst, why)
    for _, room in ipairs(redis.call('HKEYS', rooms_key(inst))) do
        if why then
            local here = redis.call('HVALS', members_key(inst, room))
            for _, nick in ipairs(here) do
                redis.call('PUBLISH', CHAT,
                    table.concat({ 'A', room, '', '0', '-- ' .. nick .. ' left ' .. room .. why }, US))
            end
        end
        redis.call('DEL', members_key(inst, room))
    end
    local prefix = inst .. '/'
    for _, folded in ipairs(redis.call('SMEMBERS', claims_key(inst))) do
        local holder = redis.call('GET', nick_key(folded))
        if holder and string.sub(holder, 1, #prefix) == prefix then
            redis.call('DEL', nick_key(folded))
        end
    end
    redis.call('DEL', rooms_key(inst), nicks_key(inst), claims_key(inst), epoch_key(inst))
    redis.call('ZREM', INSTANCES, inst)
end

-- Lines ever added to a room's history (Redis counts them in the stream),
-- the measure of read markers: unread = added now - added then.
local function lines_added(room)
    local info = redis.pcall('XINFO', 'STREAM', key('h:', room))
    if type(info) ~= 'table' or info.err then return 0 end
    for i = 1, #info, 2 do
        if info[i] == 'entries-added' then return tonumber(info[i + 1]) end
    end
    return 0
end

local function split(text, sep)
    local parts = {}
    if text == '' then return parts end
    for part in string.gmatch(text .. sep, '(.-)' .. sep) do parts[#parts + 1] = part end
    return parts
end

local function publish_line(room, member, token, nick, account, text)
    local id = redis.call('XADD', key('h:', room), 'MAXLEN', '~', KEEP, '*',
        'n', nick, 'a', account, 't', text)
    redis.call('PUBLISH', CHAT, table.concat({ 'L', id, room, I, member, token, text }, US))
    return id
end

local ops = {}

-- L room member token nick account text: a room line, appended to the
-- room's history and published in the same step, so that every instance
-- receives the room's lines in the order of its stream.
ops.L = function(a) return publish_line(a[1], a[2], a[3], a[4], a[5], a[6]) end

-- A member token nick account text: /all, to every room of every instance.
ops.A = function(a)
    local rooms = {}
    for _, inst in ipairs(live_instances()) do
        for _, room in ipairs(redis.call('HKEYS', rooms_key(inst))) do rooms[room] = true end
    end
    local n = 0
    for room in pairs(rooms) do
        publish_line(room, a[1], a[2], a[3], a[4], a[5])
        n = n + 1
    end
    return n
end

-- E id room nick folded announcement: a member entered a room.
ops.E = function(a)
    local id, room, nick, folded = a[1], a[2], a[3], a[4]
    redis.call('HSET', members_key(I, room), id, nick)
    redis.call('PEXPIRE', members_key(I, room), KEY_TTL)
    incr(rooms_key(I), room, 1)
    incr(nicks_key(I), folded, 1)
    redis.call('SADD', key('rooms'), room)
    announce(room, id, a[5])
    return 0
end

-- X id room folded announcement: a member left a room (announced unless
-- the announcement is empty).
ops.X = function(a)
    local id, room, folded = a[1], a[2], a[3]
    redis.call('HDEL', members_key(I, room), id)
    incr(rooms_key(I), room, -1)
    incr(nicks_key(I), folded, -1)
    if a[4] ~= '' then announce(room, '0', a[4]) end
    return 0
end

-- R id room old-folded new new-folded announcement: a nick change (room
-- empty when not chatting); the old nick's claim is released.
ops.R = function(a)
    local id, room = a[1], a[2]
    if room ~= '' then
        redis.call('HSET', members_key(I, room), id, a[4])
        incr(nicks_key(I), a[3], -1)
        incr(nicks_key(I), a[5], 1)
    end
    release(I .. '/' .. id, a[3])
    if a[6] ~= '' then announce(room, id, a[6]) end
    return 0
end

-- G id folded: a member is gone; so is its claim.
ops.G = function(a)
    release(I .. '/' .. a[1], a[2])
    return 0
end

-- C id folded: may member id take the nick? A registered name is its
-- account's; guest-N names are given, not taken; a nick another member
-- holds is taken, unless its instance is dead. Otherwise it is claimed.
ops.C = function(a)
    local holder, folded = I .. '/' .. a[1], a[2]
    local account = redis.call('HGET', key('accounts'), folded)
    if account then return 'registered' .. US .. split(account, US)[1] end
    if string.match(folded, '^guest%-%d+$') then return 'taken' end
    local current = redis.call('GET', nick_key(folded))
    if current and current ~= holder then
        local inst = string.match(current, '^(.*)/%d+$')
        if inst and alive(inst) then return 'taken' end
    end
    redis.call('SET', nick_key(folded), holder, 'PX', KEY_TTL)
    redis.call('SADD', claims_key(I), folded)
    redis.call('PEXPIRE', claims_key(I), KEY_TTL)
    return 'free'
end

-- U id folded: a claim not used after all.
ops.U = function(a)
    release(I .. '/' .. a[1], a[2])
    return 0
end

-- W room: the nicks in a room, on every live instance.
ops.W = function(a)
    local nicks = {}
    for _, inst in ipairs(live_instances()) do
        for _, nick in ipairs(redis.call('HVALS', members_key(inst, a[1]))) do
            nicks[#nicks + 1] = nick
        end
    end
    return nicks
end

-- O: every room and its size, over the live instances (room, n, ...).
ops.O = function()
    local sizes, order = {}, {}
    for _, inst in ipairs(live_instances()) do
        local counts = redis.call('HGETALL', rooms_key(inst))
        for i = 1, #counts, 2 do
            local room = counts[i]
            if not sizes[room] then order[#order + 1] = room; sizes[room] = 0 end
            sizes[room] = sizes[room] + tonumber(counts[i + 1])
        end
    end
    local flat = {}
    for _, room in ipairs(order) do
        flat[#flat + 1] = room
        flat[#flat + 1] = sizes[room]
    end
    return flat
end

-- M folded text: a private message, to each live instance where someone
-- of that name is chatting; the number of instances reached.
ops.M = function(a)
    local n = 0
    for _, inst in ipairs(live_instances()) do
        local here = redis.call('HGET', nicks_key(inst), a[1])
        if here and tonumber(here) > 0 then
            redis.call('PUBLISH', key('to:', inst), table.concat({ 'M', a[1], a[2] }, US))
            n = n + 1
        end
    end
    return n
end

-- N folded name phc: a new account (1), or 0 if the name is registered.
ops.N = function(a)
    return redis.call('HSETNX', key('accounts'), a[1], a[2] .. US .. a[3])
end

-- P folded phc: a new password hash (1), or 0 if the account is gone.
ops.P = function(a)
    local record = redis.call('HGET', key('accounts'), a[1])
    if not record then return 0 end
    redis.call('HSET', key('accounts'), a[1], split(record, US)[1] .. US .. a[2])
    return 1
end

-- D folded name: deletes the account with its mail (waiting and
-- delivered) and read markers, and tells every instance (its connections
-- become guests).
ops.D = function(a)
    local n = redis.call('HDEL', key('accounts'), a[1])
    redis.call('DEL', key('mail:', a[1]), key('delivered:', a[1]), key('seen:', a[1]))
    redis.call('PUBLISH', CHAT, table.concat({ 'D', a[2] }, US))
    return n
end

-- S folded text max days: keeps a private message for an account.
ops.S = function(a)
    local folded, text, max, days = a[1], a[2], tonumber(a[3]), tonumber(a[4])
    if redis.call('HEXISTS', key('accounts'), folded) == 0 then return 'none' end
    local box = key('mail:', folded)
    local seconds = math.floor(now / 1000)
    local oldest = seconds - days * 86400
    while true do
        local first = redis.call('LINDEX', box, 0)
        if not first or tonumber(split(first, US)[1]) >= oldest then break end
        redis.call('LPOP', box)
    end
    if redis.call('LLEN', box) >= max then return 'full' end
    redis.call('RPUSH', box, string.format('%d', seconds) .. US .. text)
    redis.call('PEXPIRE', box, days * 86400000)
    return 'stored'
end

-- Q folded max days: what an account is told at login: its mail (now
-- marked delivered: moved to its list of delivered messages, which keeps
-- the newest max for days) and, per room it left, the lines added since
-- (at most what is kept).
ops.Q = function(a)
    local box = key('mail:', a[1])
    local mail = redis.call('LRANGE', box, 0, -1)
    if #mail > 0 then
        local done = key('delivered:', a[1])
        for i = 1, #mail do
            redis.call('RPUSH', done, mail[i])
        end
        redis.call('LTRIM', done, -tonumber(a[2]), -1)
        redis.call('PEXPIRE', done, tonumber(a[3]) * 86400000)
        redis.call('DEL', box)
    end
    local unread = {}
    local markers = redis.call('HGETALL', key('seen:', a[1]))
    for i = 1, #markers, 2 do
        local room = markers[i]
        local new = lines_added(room) - tonumber(markers[i + 1])
        local kept = redis.call('XLEN', key('h:', room))
        if new > kept then new = kept end
        if new > 0 then
            unread[#unread + 1] = room
            unread[#unread + 1] = new
        end
    end
    return { mail, unread }
end

-- K folded room: the account has seen every line of the room so far.
ops.K = function(a)
    redis.call('HSET', key('seen:', a[1]), a[2], lines_added(a[2]))
    return 0
end

-- Login throttles, shared by every instance (accounts/throttle.rs has the
-- rules; its constants come as arguments): F keys free window max-penalty
-- counts a failure, J keys clears them, V keys says how long to wait (ms).
ops.F = function(a)
    local free, window, max_penalty = tonumber(a[2]), tonumber(a[3]), tonumber(a[4])
    for _, name in ipairs(split(a[1], RS)) do
        local k = key('throttle:', name)
        local entry = redis.call('HMGET', k, 'f', 'l', 'nb')
        local failures, not_before = 0, now
        local last = tonumber(entry[2])
        if last and not (now >= tonumber(entry[3]) and now >= last + window) then
            failures, not_before = tonumber(entry[1]), tonumber(entry[3])
        end
        failures = failures + 1
        if failures > free then
            local doublings = math.min(failures - free - 1, 16)
            local penalty = math.min(1000 * 2 ^ doublings, max_penalty)
            not_before = math.max(not_before, now) + penalty
        else
            not_before = now
        end
        redis.call('HSET', k, 'f', failures, 'l', now, 'nb', not_before)
        redis.call('PEXPIRE', k, math.max(not_before, now + window) - now + 1000)
    end
    return 0
end

ops.J = function(a)
    for _, name in ipairs(split(a[1], RS)) do redis.call('DEL', key('throttle:', name)) end
    return 0
end

ops.V = function(a)
    local wait = 0
    for _, name in ipairs(split(a[1], RS)) do
        local not_before = tonumber(redis.call('HGET', key('throttle:', name), 'nb'))
        if not_before and not_before - now > wait then wait = not_before - now end
    end
    return wait
end

-- H epoch: the heartbeat. Moves this instance's deadline on, keeps its
-- keys and claims alive, takes out instances past their deadline, and
-- returns { was this instance missing (reaped, or Redis lost it),
-- its epoch clashes with another process's, accounts, stored lines }.
ops.H = function(a)
    local epoch = redis.call('GET', epoch_key(I))
    local missing, clash = 0, 0
    if not epoch then
        -- Reaped while cut off, or Redis lost its data: the instance
        -- resyncs (ops.Y), which puts it back.
        missing = 1
    elseif epoch ~= a[1] then
        -- Another live process goes by this name: leave its keys alone.
        clash = 1
    else
        redis.call('ZADD', INSTANCES, now + DEADLINE, I)
        keep_alive(I)
        local prefix = I .. '/'
        for _, folded in ipairs(redis.call('SMEMBERS', claims_key(I))) do
            local holder = redis.call('GET', nick_key(folded))
            if holder and string.sub(holder, 1, #prefix) == prefix then
                redis.call('PEXPIRE', nick_key(folded), KEY_TTL)
            else
                redis.call('SREM', claims_key(I), folded)
            end
        end
    end
    for _, dead in ipairs(redis.call('ZRANGEBYSCORE', INSTANCES, '-inf', now)) do
        if dead ~= I then reap(dead, ' (its server stopped answering)') end
    end
    local lines = 0
    for _, room in ipairs(redis.call('SMEMBERS', key('rooms'))) do
        lines = lines + redis.call('XLEN', key('h:', room))
    end
    return { missing, clash, redis.call('HLEN', key('accounts')), lines }
end

-- Y epoch first members: this instance's whole presence, after a
-- (re)connection. Members come as "id US nick US folded US room US
-- claimed" joined by RS. A previous process of the same name (a crash,
-- then a restart) is taken out first, its members announced as gone; a
-- live process of the same name is a clash (refused: 'clash'). After a
-- reconnection of this process, what changed while it was cut off is
-- announced (who left, joined or changed nick meanwhile); if it was
-- missing (reaped while cut off, or Redis lost its data), all its
-- chatting members are announced again. Replies { 'ok', ids of members
-- whose claimed nick someone else holds now... }.
ops.Y = function(a)
    local epoch, first = a[1], a[2] == '1'
    local stored = redis.call('GET', epoch_key(I))
    -- What Redis had of this process's members: id -> { room, nick }
    -- (nil: announce every chatting member as joining).
    local before = nil
    if stored and stored ~= epoch then
        if alive(I) then return { 'clash' } end
        reap(I, ' (its server restarted)')
        before = {}
    elseif stored then
        before = {}
        for _, room in ipairs(redis.call('HKEYS', rooms_key(I))) do
            local here = redis.call('HGETALL', members_key(I, room))
            for i = 1, #here, 2 do before[here[i]] = { room, here[i + 1] } end
        end
        reap(I, nil)
    elseif first then
        before = {}
    end
    local meanwhile = ' (while the chat was unavailable)'
    local lost = { 'ok' }
    local prefix = I .. '/'
    for _, record in ipairs(split(a[3], RS)) do
        local m = split(record, US)
        local id, nick, folded, room, claimed = m[1], m[2], m[3], m[4], m[5]
        local was = before and before[id]
        if before then before[id] = nil end
        if was and was[1] ~= room then
            announce(was[1], '0', '-- ' .. was[2] .. ' left ' .. was[1] .. meanwhile)
        end
        if room ~= '' then
            redis.call('HSET', members_key(I, room), id, nick)
            incr(rooms_key(I), room, 1)
            incr(nicks_key(I), folded, 1)
            redis.call('SADD', key('rooms'), room)
            if not was or was[1] ~= room then
                if before == nil or stored then
                    announce(room, id, '-- ' .. nick .. ' joined ' .. room)
                end
            elseif was[2] ~= nick then
                announce(room, id, '-- ' .. was[2] .. ' is now known as ' .. nick)
            end
        end
        if claimed == '1' then
            local current = redis.call('GET', nick_key(folded))
            local inst = current and string.match(current, '^(.*)/%d+$')
            local registered = redis.call('HEXISTS', key('accounts'), folded) == 1
            if registered or (current and current ~= prefix .. id and inst ~= I and inst and alive(inst)) then
                lost[#lost + 1] = id
            else
                redis.call('SET', nick_key(folded), prefix .. id, 'PX', KEY_TTL)
                redis.call('SADD', claims_key(I), folded)
            end
        end
    end
    if before and stored == epoch then
        for _, was in pairs(before) do
            announce(was[1], '0', '-- ' .. was[2] .. ' left ' .. was[1] .. meanwhile)
        end
    end
    redis.call('SET', epoch_key(I), epoch)
    redis.call('ZADD', INSTANCES, now + DEADLINE, I)
    keep_alive(I)
    return lost
end

-- T token: a mark on this instance's own channel, published after the
-- batch's other messages: once the subscriber sees it, it has delivered
-- everything published before (the reply to /who waits for it, so that
-- it never overtakes an announcement the room saw first).
ops.T = function(a)
    redis.call('PUBLISH', key('to:', I), table.concat({ 'T', a[1] }, US))
    return 0
end

-- B days: trims every room's history to the lines younger than `days`.
ops.B = function(a)
    local oldest = now - tonumber(a[1]) * 86400000
    for _, room in ipairs(redis.call('SMEMBERS', key('rooms'))) do
        redis.call('XTRIM', key('h:', room), 'MINID', '~', string.format('%d-0', oldest))
    end
    return 0
end

-- Z: a graceful stop; the instance leaves the directory at once (its
-- members' departures were announced as they left).
ops.Z = function()
    reap(I, nil)
    return 0
end

local results = {}
local i = 5
while i <= #ARGV do
    local code, count = ARGV[i], tonumber(ARGV[i + 1])
    local args = {}
    for j = 1, count do args[j] = ARGV[i + 1 + j] end
    local op = ops[code]
    if not op then return redis.error_reply('safecalc: unknown operation ' .. code) end
    results[#results + 1] = op(args)
    i = i + 2 + count
end
return results
