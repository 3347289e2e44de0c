-- wrk script: POST progress updates with If-Match. Each wrk thread (one connection each) works
-- on its own sub-goals and keeps their ETags: from the 201's ETag header, or from the detail of
-- a 412 (which names the current ETag).
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  tid = tid or 1
  local nthreads = tonumber(os.getenv("NTHREADS") or "1")
  token = os.getenv("TOKEN") or ""
  -- IDS: comma-separated sub-goal ids; thread n takes every nthreads-th from the n-th.
  local ids = {}
  for id in string.gmatch(os.getenv("IDS") or "1", "%d+") do table.insert(ids, tonumber(id)) end
  mine, etag = {}, {}
  for j = tid, #ids, nthreads do
    local i = ids[j]
    table.insert(mine, i)
    etag[i] = '"sg-' .. i .. '-v1"'
  end
  if #mine == 0 then table.insert(mine, ids[1]); etag[ids[1]] = '"sg-' .. ids[1] .. '-v1"' end
  k = 0
end

function request()
  k = k % #mine + 1
  cur = mine[k]
  local body = '{"status":"on_track","progress":' .. (k % 100) .. ',"note":"wrk ' .. k .. '"}'
  return wrk.format("POST", "/api/v1/subgoals/" .. cur .. "/progress", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["If-Match"] = etag[cur],
  }, body)
end

function response(status, headers, body)
  if status == 201 then
    etag[cur] = headers["etag"] or headers["ETag"] or etag[cur]
  elseif status == 412 then
    local e = body:match('ETag \\"(sg%-%d+%-v%d+)\\"')
    if e then etag[cur] = '"' .. e .. '"' end
  end
end
