-- wrk script of scripts/bench-audit: the ceiling for `mmerge audit`. Cycles through the requests
-- of REQUESTS_FILE, one a line: a path (`/v2/<repo>/manifests/<tag>`, sent as a GET) or
-- `METHOD PATH` (to replay an audit's own requests), with the Accept header that mmerge sends for
-- manifests, each thread starting at its own offset.
--
--   wrk -t1 -c16 -d10s -s scripts/bench-audit.lua http://HOST:PORT -- REQUESTS_FILE 'ACCEPT'

local methods = {}
local paths = {}
local next_index = 0
local threads = 0

function setup(thread)
    thread:set("offset", threads)
    threads = threads + 1
end

function init(args)
    local file = args[1] or error("bench-audit.lua: give the requests file after --")
    for line in io.lines(file) do
        local method, path = line:match("^(%u+) (/.*)$")
        if method then
            methods[#methods + 1] = method
            paths[#paths + 1] = path
        elseif line ~= "" then
            methods[#methods + 1] = "GET"
            paths[#paths + 1] = line
        end
    end
    if #paths == 0 then
        error("bench-audit.lua: no requests in " .. file)
    end
    if args[2] then
        wrk.headers["Accept"] = args[2]
    end
    next_index = ((offset or 0) * 7919) % #paths
end

function request()
    next_index = next_index % #paths + 1
    return wrk.format(methods[next_index], paths[next_index])
end
