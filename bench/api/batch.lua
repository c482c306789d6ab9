-- POST /api/v1/forecast/batch for every city of the catalog, 48 hours ahead.
local body
init = function(args)
  local names = {}
  for c in string.gmatch(args[1] or "Delhi", "[^,]+") do table.insert(names, '"' .. c .. '"') end
  body = '{"cities":[' .. table.concat(names, ",") .. '],"hours_ahead":48}'
end
request = function()
  return wrk.format("POST", "/api/v1/forecast/batch", { ["Content-Type"] = "application/json" }, body)
end
