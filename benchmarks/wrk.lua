-- The benchmark's wrk script (benchmarks/wrk.py runs it): sends the request given after `--`,
-- counts the answers by status, pauses after each 503 as the Python clients do, and prints the
-- results as "@bench NAME VALUE" lines for wrk.py to read.
--
--   wrk -c CLIENTS -t THREADS -d SECONDS -s benchmarks/wrk.lua -H 'Accept: ...' URL -- METHOD BODY PAUSE_MS
--
-- wrk runs each thread's connections in a Lua state of its own and done() in another, so the
-- counts live in each thread's globals and done() adds them up through the threads setup() saw.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   wrk.method = args[1]
   if args[2] ~= "" then
      wrk.body = args[2]
   end
   pause_ms = tonumber(args[3])
   successes, refused, stopped, others = 0, 0, 0, 0
   pauses_owed = 0
   first_other = ""
end

function response(status, headers, body)
   if status == 200 then
      successes = successes + 1
   elseif status == 503 then
      refused = refused + 1
      pauses_owed = pauses_owed + 1
   elseif status == 504 then
      stopped = stopped + 1
   else
      others = others + 1
      if first_other == "" then
         first_other = "HTTP " .. status .. ": " .. (body:sub(1, 120):gsub("%s+", " "))
      end
   end
end

-- wrk asks before every request how long to wait. It does not say for which connection, so a
-- thread owes one pause per 503 it saw and pays it on its next request: the same total pause as
-- the Python clients', not always on the connection that was refused.
function delay()
   if pauses_owed > 0 then
      pauses_owed = pauses_owed - 1
      return pause_ms
   end
   return 0
end

local function emit(name, value)
   io.write("@bench ", name, " ", value, "\n")
end

function done(summary, latency, requests)
   local totals = { successes = 0, refused = 0, stopped = 0, others = 0 }
   local first = ""
   for _, thread in ipairs(threads) do
      for name, total in pairs(totals) do
         totals[name] = total + thread:get(name)
      end
      if first == "" then
         first = thread:get("first_other")
      end
   end
   emit("duration_us", summary.duration)
   emit("answers", summary.requests)
   for name, total in pairs(totals) do
      emit(name, total)
   end
   for name, count in pairs(summary.errors) do
      emit("errors_" .. name, count)
   end
   -- over every answer of the histogram, whatever its status; in microseconds
   emit("p50_us", string.format("%.0f", latency:percentile(50)))
   emit("p99_us", string.format("%.0f", latency:percentile(99)))
   emit("first_other", first)
end
