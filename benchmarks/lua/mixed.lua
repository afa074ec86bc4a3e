-- A signed-in customer's mixed traffic, stopped after a fixed number of requests: pages,
-- assets, /health, and what makes a worker grow: every other request a summary for a new
-- selection (several customers, every valid plan, period, agents and packs, so each worker's
-- 2048-entry summary cache fills and turns over) and every 25th a PDF never drawn before.
-- Arguments: <requests> <offset> <cookie> <invoice id> <PDF cookie> <PDF invoice ids,
--            comma-separated> <number of summary cookies> <summary cookie>... <static path>...
-- The offset (requests made by earlier runs) makes a run go on where the last stopped.
-- The portal's Server-Timing says whether a summary was drawn and whether a PDF was drawn:
-- done() prints "mixed: <misses> summary misses, <hits> hits, <drawn> PDFs drawn, <stored>
-- stored".

local limit = 10000
local cookie = ""
local pdf_cookie = ""
local pdf_ids = {}
local summary_cookies = {}
local selections = {}
local paths = {}
local counter = 0
local offset = 0
local answered = 0
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  limit = tonumber(args[1])
  offset = tonumber(args[2])
  cookie = args[3]
  pdf_cookie = args[5]
  for id in string.gmatch(args[6], "[^,]+") do
    pdf_ids[#pdf_ids + 1] = id
  end
  local cookies = tonumber(args[7])
  for i = 8, 7 + cookies do
    summary_cookies[#summary_cookies + 1] = args[i]
  end
  paths = {
    "/package", "/billing/invoices/", "/package/edit", "/package/edit/quantities",
    "/package/edit/seats", "/billing/invoices/?status=open", "/team/", "/health",
    "/billing/invoices/" .. args[4] .. "/pdf", "/billing/activity", "/billing/payment-methods/",
  }
  for i = 8 + cookies, #args do
    paths[#paths + 1] = args[i]
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
  local n = counter + offset
  if n % 2 == 0 then
    local k = n / 2
    local who = summary_cookies[(k % #summary_cookies) + 1]
    local selection = selections[(math.floor(k / #summary_cookies) % #selections) + 1]
    return wrk.format("GET", "/package/edit/summary?" .. selection,
      { ["Cookie"] = who, ["HX-Request"] = "true" })
  end
  if n % 25 == 1 and #pdf_ids > 0 then
    local id = pdf_ids[(math.floor(n / 25) % #pdf_ids) + 1]
    return wrk.format("GET", "/billing/invoices/" .. id .. "/pdf", { ["Cookie"] = pdf_cookie })
  end
  return wrk.format("GET", paths[(n % #paths) + 1], { ["Cookie"] = cookie })
end

function response(status, headers)
  answered = answered + 1
  if status >= 400 then
    failures = (failures or 0) + 1
    if failures == 1 then io.stderr:write("mixed traffic answered " .. status .. "\n") end
  end
  local timing = headers["Server-Timing"] or ""
  if timing:find('summary-cache;desc="miss"', 1, true) then
    misses = (misses or 0) + 1
  elseif timing:find('summary-cache;desc="hit"', 1, true) then
    hits = (hits or 0) + 1
  elseif timing:find('pdf;desc="drawn"', 1, true) then
    drawn = (drawn or 0) + 1
  elseif timing:find('pdf;desc="stored"', 1, true) then
    stored = (stored or 0) + 1
  end
  if answered == limit then
    -- The harness interrupts wrk on this line (a stopped thread alone leaves wrk waiting).
    io.write("limit reached\n")
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total = { misses = 0, hits = 0, drawn = 0, stored = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(total) do
      total[name] = total[name] + (thread:get(name) or 0)
    end
  end
  io.write(string.format("mixed: %d summary misses, %d hits, %d PDFs drawn, %d stored\n",
    total.misses, total.hits, total.drawn, total.stored))
end
