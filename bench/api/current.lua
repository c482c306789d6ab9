-- GET /api/v1/aqi/current/{city}, cycling over every city of the catalog.
local cities = {}
local i = 0
init = function(args)
  for c in string.gmatch(args[1] or "Delhi", "[^,]+") do table.insert(cities, c) end
end
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/aqi/current/" .. cities[(i % #cities) + 1])
end
