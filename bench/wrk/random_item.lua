-- GET /items/{id} with an id drawn at random from 1..N, N given after `--`.
dofile("report.lua")

local item_count = 1

init = function(args)
  item_count = tonumber(args[1])
  math.randomseed(os.time())
end

request = function()
  return wrk.format("GET", "/items/" .. math.random(1, item_count))
end
