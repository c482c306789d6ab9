-- POST /api/v1/forecast/batch for every city of the catalog, 48 hours ahead, never answered from the cache: the
-- answer cache keys a batch by its cities in the order asked, and each request asks them in a new random order
-- (56! orders), so every request fans out to the 56 forecast grains and serializes the answer.
local names = {}
init = function(args)
  for c in string.gmatch(args[1] or "Delhi", "[^,]+") do table.insert(names, '"' .. c .. '"') end
  -- A seed per thread (the address of a fresh table differs), so the two threads do not ask the same orders.
  math.randomseed(os.time() + tonumber(string.match(tostring({}), "0x(%x+)") or "0", 16) % 1000003)
end
request = function()
  for k = #names, 2, -1 do
    local j = math.random(k)
    names[k], names[j] = names[j], names[k]
  end
  local body = '{"cities":[' .. table.concat(names, ",") .. '],"hours_ahead":48}'
  return wrk.format("POST", "/api/v1/forecast/batch", { ["Content-Type"] = "application/json" }, body)
end
