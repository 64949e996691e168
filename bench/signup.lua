-- wrk script: distinct, valid sign-ups (each wrk thread numbers its own); `-- PREFIX` keeps runs apart.
local counter = 0
local thread_id = 0
function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end
function init(args)
  prefix = (args[1] or "run") .. "-" .. tid
end
local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local fixed = "name=" .. urlencode("Нагрузочный Тест") .. "&phone=" .. urlencode("+7 912 345-67-89") ..
  "&company=" .. urlencode("ООО «Нагрузка»") .. "&inn=6671045280&consent=yes&website="
function request()
  counter = counter + 1
  local id = prefix .. "-" .. counter
  local body = fixed .. "&email=load-" .. id .. "%40client.example&token=" .. id
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded",
                                  ["Accept"] = "application/json"}, body)
end
