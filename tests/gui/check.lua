-- Loaded into Wireshark's GUI by tests/scripts/gui_screenshot.sh: proves in text that the GUI
-- registered synack's fields and filled them, frame by frame, into $SYNACK_GUI_OUT.
local summary = Field.new("synack.summary")
local stage = Field.new("synack.stage")
local out = assert(io.open(os.getenv("SYNACK_GUI_OUT"), "w"))
local tap = Listener.new("frame", "tcp")
function tap.packet(pinfo, tvb)
    local s = summary()
    local st = stage()
    out:write(tostring(pinfo.number), "\t", st and tostring(st.value) or "", "\t", s and tostring(s.value) or "", "\n")
    out:flush()
end
