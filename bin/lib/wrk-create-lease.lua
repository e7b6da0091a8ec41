-- wrk script for bin/bench-api: each request creates a new Lease in the
-- namespace "bench" (a unique name per request), with the bearer token
-- from FERRY_TOKEN.
local token = os.getenv("FERRY_TOKEN")
local n = 0
local prefix = tostring(math.random(1, 1000000000))

request = function()
  n = n + 1
  local body = '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"wrk-'
    .. prefix .. '-' .. n .. '"}}'
  return wrk.format("POST", "/apis/coordination.k8s.io/v1/namespaces/bench/leases",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
