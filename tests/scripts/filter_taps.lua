-- tshark -q -X lua_script:filter_taps.lua -X lua_script1:FILTERS -r CAPTURE
-- One tap per display filter in FILTERS (one a line): writes "N<TAB>frame" for each frame the
-- Nth filter selects, so that one tshark pass evaluates every filter, as -Y would each.
local path = ...
local n = 0
for line in io.lines(path) do
  n = n + 1
  local index = n
  local tap = Listener.new(nil, line)
  function tap.packet(pinfo)
    io.write(index, "\t", pinfo.number, "\n")
  end
end
