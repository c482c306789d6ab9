-- POST /api/v1/forecast/batch for every city of the catalog, 48 hours ahead.
init = function(args)
  local names = {}
  for c in string.gmatch(args[1] or "Delhi", "[^,]+") do table.insert(names, '"' .. c .. '"') end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"cities":[' .. table.concat(names, ",") .. '],"hours_ahead":48}'
end
