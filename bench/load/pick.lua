-- wrk script for the serving benchmark: every request asks for a random item of a list
-- exported from the catalog, so requests spread over the whole catalog as real traffic does.
--
--   wrk -t2 -c64 -d30s --latency -s pick.lua http://127.0.0.1:PORT -- ENDPOINT LIST
--
-- ENDPOINT: features   GET /v1/audio-features/{id}            LIST: one track id per line
--           track_data GET /get_track_data?track_name=&artist= LIST: title<TAB>artist per line
--           search     GET /v1/search?q=&type=track&limit=20   LIST: one query per line
-- Each wrk thread draws from its own seeded sequence, so runs ask for the same items.
-- At the end one line "RESULT {json}" gives requests/s, latency percentiles (us) and errors.

local endpoint, items = nil, {}
local counter = 0

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local function load(path)
  local out = {}
  for line in io.lines(path) do
    if #line > 0 then out[#out + 1] = line end
  end
  return out
end

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
end

function init(args)
  endpoint = args[1]
  items = load(args[2])
  if #items == 0 then error("empty list " .. tostring(args[2])) end
  math.randomseed(20241122 + (thread_number or 0))
end

function request()
  local item = items[math.random(#items)]
  local path
  if endpoint == "features" then
    path = "/v1/audio-features/" .. item
  elseif endpoint == "track_data" then
    local title, artist = item:match("^(.-)\t(.*)$")
    path = "/get_track_data?track_name=" .. urlencode(title) .. "&artist=" .. urlencode(artist)
  elseif endpoint == "search" then
    path = "/v1/search?q=" .. urlencode(item) .. "&type=track&limit=20"
  else
    error("unknown endpoint " .. tostring(endpoint))
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "rps": %.1f, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "bytes": %d, "non2xx": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, summary.bytes, e.status, e.connect, e.read, e.write, e.timeout))
end
