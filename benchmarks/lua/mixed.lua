-- A signed-in customer's mixed traffic, stopped after a fixed number of requests:
-- pages, summary fragments with new selections, invoice PDFs (already drawn), assets, /health.
-- Arguments: <requests> <cookie> <invoice id> <static path> [<static path> ...]

local limit = 10000
local cookie = ""
local paths = {}
local counter = 0
local answered = 0

function init(args)
  limit = tonumber(args[1])
  cookie = args[2]
  paths = {
    "/package", "/billing/invoices/", "/package/edit", "/package/edit/quantities",
    "/package/edit/seats", "/billing/invoices/?status=open", "/team/", "/health",
    "/billing/invoices/" .. args[3] .. "/pdf", "/billing/activity", "/billing/payment-methods/",
  }
  for i = 4, #args do
    paths[#paths + 1] = args[i]
  end
end

function request()
  counter = counter + 1
  if counter % 3 == 0 then
    local agents = 1 + counter % 50
    local plan = (math.floor(counter / 50) % 2 == 0) and "standard" or "pro"
    return wrk.format("GET", "/package/edit/summary?plan=" .. plan
      .. "&period=monthly&currency=EUR&packs=0&agents=" .. agents,
      { ["Cookie"] = cookie, ["HX-Request"] = "true" })
  end
  return wrk.format("GET", paths[(counter % #paths) + 1], { ["Cookie"] = cookie })
end

function response(status)
  answered = answered + 1
  if status >= 400 then
    failures = (failures or 0) + 1
    if failures == 1 then io.stderr:write("mixed traffic answered " .. status .. "\n") end
  end
  if answered == limit then
    -- The harness interrupts wrk on this line (a stopped thread alone leaves wrk waiting).
    io.write("limit reached\n")
    io.flush()
    wrk.thread:stop()
  end
end
