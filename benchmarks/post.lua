-- wrk script of `make bench`: POST the vendor's sample form and count every answer that is
-- not HTTP 200 with the body "1" (printed at the end; a benchmark whose requests fail is not one).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "UserId=ismartsms&Password=ismartsms&MobileNo=96899123456&Message=TestMessage"
  .. "&PushDateTime=03%2F04%2F2018+07%3A30%3A00&Lang=0&Header=AnyHeader&referenceIds=101"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  bad = 0
  example = ""
end

function response(status, headers, body)
  if status == 200 and body == "1" then
    ok = ok + 1
  else
    bad = bad + 1
    if example == "" then example = status .. " " .. body end
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad, first = 0, 0, ""
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_bad = total_bad + t:get("bad")
    local e = t:get("example")
    if first == "" and e ~= nil then first = e end
  end
  io.write(string.format("ANSWERS ok=%d bad=%d first_bad=%q\n", total_ok, total_bad, first))
  io.write(string.format("LATENCY p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
  io.write(string.format("SUMMARY requests=%d duration_us=%d errors_connect=%d errors_read=%d "
    .. "errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout))
end
