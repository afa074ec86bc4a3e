-- Every request a new selection for the payment summary: each of the signed-in customers
-- (their accounts run different packages, so no two of them price alike) asks for every
-- valid plan, period, agents and packs in turn, so no worker ever sees a selection twice
-- within a run (each worker keeps 2048 rendered summaries).
-- Each request also says, as the page does (#fields-shown), that the fields show no error
-- for that plan, so the answer carries the fields only when they would change.
-- Arguments: <offset> <cookie> [<cookie> ...]; the offset makes each run start elsewhere.

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

function response(status)
  if status ~= 200 then
    failures = (failures or 0) + 1
    if failures == 1 then io.stderr:write("summary answered " .. status .. "\n") end
  end
end
