-- Every request a new selection for the payment summary: each of the signed-in customers
-- (their accounts run different packages, so no two of them price alike) asks for every
-- valid plan, period, agents and packs in turn, so no worker ever sees a selection twice
-- within a run (each worker keeps 2048 rendered summaries).
-- Each request also says, as the page does (#fields-shown), that the fields show no error
-- for that plan, so the answer carries the fields only when they would change.
-- Arguments: <offset> <cookie> [<cookie> ...]; the offset is how many requests earlier runs
-- made, so each run goes on where the last stopped and no run asks again for a selection an
-- earlier one asked for (until customers x selections are used up).
-- The portal says in Server-Timing whether it drew the summary or took it from its cache:
-- done() prints both counts ("summary cache: <hits> hits, <misses> misses").

local cookies = {}
local offset = 0
local selections = {}
local counter = 0

function init(args)
  offset = tonumber(args[1]) or 0
  for i = 2, #args do
    cookies[#cookies + 1] = args[i]
  end
  local packs = { standard = 4, pro = 19 }
  for _, period in ipairs({ "monthly", "annual" }) do
    for plan, most in pairs(packs) do
      for p = 0, most do
        for agents = 1, 50 do
          selections[#selections + 1] = "plan=" .. plan .. "&period=" .. period
            .. "&currency=EUR&agents=" .. agents .. "&packs=" .. p .. "&shown=" .. plan
        end
      end
    end
  end
end

function request()
  counter = counter + 1
  local k = offset + counter
  local cookie = cookies[(k % #cookies) + 1]
  local selection = selections[(math.floor(k / #cookies) % #selections) + 1]
  return wrk.format("GET", "/package/edit/summary?" .. selection,
    { ["Cookie"] = cookie, ["HX-Request"] = "true" })
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function response(status, headers)
  if status ~= 200 then
    failures = (failures or 0) + 1
    if failures == 1 then io.stderr:write("summary answered " .. status .. "\n") end
  end
  local timing = headers["Server-Timing"] or headers["server-timing"] or ""
  if timing:find('"hit"', 1, true) then
    hits = (hits or 0) + 1
  elseif timing:find('"miss"', 1, true) then
    misses = (misses or 0) + 1
  end
end

function done(summary, latency, requests)
  local hit_count, miss_count = 0, 0
  for _, thread in ipairs(threads) do
    hit_count = hit_count + (thread:get("hits") or 0)
    miss_count = miss_count + (thread:get("misses") or 0)
  end
  io.write(string.format("summary cache: %d hits, %d misses\n", hit_count, miss_count))
end
