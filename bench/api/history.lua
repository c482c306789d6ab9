-- GET /api/v1/aqi/history/{city} (the last 24 hours, the default), cycling over every city of the catalog.
local cities = {}
local i = 0
init = function(args)
  for c in string.gmatch(args[1] or "Delhi", "[^,]+") do table.insert(cities, c) end
end
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/aqi/history/" .. cities[(i % #cities) + 1])
end
