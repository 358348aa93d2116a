-- One benchmark scenario for wrk: method, headers and body come from the script arguments,
-- every response's status is checked against the expected ones, and done() prints one JSON
-- line with exact percentiles from wrk's own histogram.
--
-- Arguments (after `--` on the wrk command line), each `key=value`:
--   method=POST               request method (default GET)
--   body=/path/to/file        request body, read from a file so no quoting can corrupt it
--   header=Name: value        a request header; repeat for several
--   expect=200,201            statuses that count as success; anything else is an error

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

local expected = {}

local function split_statuses(text)
   for code in string.gmatch(text, "%d+") do
      expected[tonumber(code)] = true
   end
end

function init(args)
   wrk.headers["Connection"] = "keep-alive"
   for _, arg in ipairs(args) do
      local key, value = string.match(arg, "^([%w_]+)=(.*)$")
      if key == "method" then
         wrk.method = value
      elseif key == "body" then
         local file = assert(io.open(value, "rb"))
         wrk.body = file:read("*a")
         file:close()
      elseif key == "header" then
         local name, content = string.match(value, "^([^:]+):%s*(.*)$")
         wrk.headers[name] = content
      elseif key == "expect" then
         split_statuses(value)
      end
   end
   -- Counters live in each thread's Lua state; done() collects them with thread:get().
   unexpected = 0
   counts = {}
end

function response(status, headers, body)
   counts[status] = (counts[status] or 0) + 1
   if not expected[status] then
      unexpected = unexpected + 1
   end
end

function done(summary, latency, requests)
   local bad = 0
   local merged = {}
   for _, thread in ipairs(threads) do
      bad = bad + (thread:get("unexpected") or 0)
      -- thread:get() copies a table from the thread's Lua state into this one.
      for status, count in pairs(thread:get("counts") or {}) do
         merged[status] = (merged[status] or 0) + count
      end
   end
   local status_parts = {}
   for status, count in pairs(merged) do
      table.insert(status_parts, string.format('"%s": %d', status, count))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"duration_us": %d, "requests": %d, "bytes": %d, '
         .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}, '
         .. '"unexpected": %d, "statuses": {%s}, '
         .. '"latency_us": {"mean": %.2f, "stdev": %.2f, "max": %d, '
         .. '"p50": %d, "p75": %d, "p90": %d, "p99": %d, "p999": %d}}\n',
      summary.duration, summary.requests, summary.bytes,
      e.connect, e.read, e.write, e.timeout, e.status,
      bad, table.concat(status_parts, ", "),
      latency.mean, latency.stdev, latency.max,
      latency:percentile(50), latency:percentile(75), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9)))
end
