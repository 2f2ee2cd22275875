-- Mixed workload for scripts/load.sh: reads by id, list pages, creates, updates and deletes
-- of what this thread created. Every response must be 2xx; the others are counted per thread
-- and reported by done() as "unexpected_non2xx=N" (load.sh fails on N > 0).
local token = "prodgy_AcmeSupportDefaultToken000000001"
local agent = "/api/agent-base/a9e1f3b5-0001-4c6d-8e7f-100000000001"
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   unexpected = 0
   samples = ""
   created = {}
   n = 0
   json = { ["X-API-Token"] = token, ["Content-Type"] = "application/json" }
   auth = { ["X-API-Token"] = token }
end

function request()
   n = n + 1
   local pick = n % 10
   if pick == 0 or pick == 5 then
      return wrk.format("POST", "/api/integrations-base", json,
         '{"title": "Load ' .. n .. '", "type": "jira", "credentials": {"token": "t"}}')
   elseif pick == 1 and #created > 0 then
      return wrk.format("DELETE", "/api/integrations-base/" .. table.remove(created), auth)
   elseif pick == 2 then
      return wrk.format("PUT", agent, json, '{"description": "load ' .. n .. '"}')
   elseif pick == 3 or pick == 7 then
      return wrk.format("GET", "/api/agent-base?page=1&pageSize=20", auth)
   elseif pick == 4 then
      return wrk.format("GET", "/api/integrations-base?page=2&pageSize=50", auth)
   elseif pick == 8 then
      return wrk.format("GET", "/__admin/health", auth)
   end
   return wrk.format("GET", agent, auth)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      unexpected = unexpected + 1
      if #samples < 400 then
         samples = samples .. status .. " " .. string.sub(body or "", 1, 120) .. "\n"
      end
      return
   end
   if #created < 64 then
      local id = string.match(body or "", '"message":"Integration created[^"]*","data":{"id":"([%w%-]+)"')
      if id then
         table.insert(created, id)
      end
   end
end

function done(summary, latency, requests)
   local total = 0
   for _, thread in ipairs(threads) do
      total = total + thread:get("unexpected")
      local s = thread:get("samples")
      if s ~= "" then
         io.write(s)
      end
   end
   io.write(string.format("unexpected_non2xx=%d\n", total))
end
