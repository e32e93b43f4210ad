-- bench/ddb_extra.lua — wrk script of bench/tables_extra.py (read its docstring first): the rows ddb-load's
-- ddb.lua does not have, TransactWriteItems with 4 actions and Query on a global secondary index.
--
-- Each request() builds one DynamoDB JSON 1.0 request with the headers an SDK sends (X-Amz-Target,
-- Content-Type, X-Amz-Date and a syntactically valid but STATIC SigV4 Authorization header: the servers under
-- test accept any signature); response() checks every answer:
--   non2xx  status outside 200-299 (the first such body of each thread is kept in `sample`)
--   bad     2xx whose body lacks what the operation must return
--           (txw: a JSON object without "__type"; gsiq: "Count":<items per GSI partition>)
-- done() prints one line "WRKJSON {...}" that tables_extra.py parses.
--
-- The loaded table (tables_extra.py): item i in [0, nitems) has pk p%07d (i // perpart), sk s%02d
-- (i % perpart), n 0, gsi_pk g%05d (i % ngsi), gsi_sk t%05d (i): every GSI partition holds nitems / ngsi items,
-- from as many different base partitions.
--
-- Workloads:
--   txw   TransactWriteItems: Update "ADD n :one" of two existing items, Put of a new item (pk w..., with
--         gsi_pk x... outside the g partitions that gsiq reads, so the index is maintained but gsiq's counts
--         stay exact), ConditionCheck attribute_exists(pk) on a third existing item. The three existing items
--         are distinct, and no two requests in flight share one: wrk thread t of T owns items
--         [t*nitems/T, (t+1)*nitems/T) and walks them 3 at a time through a fixed permutation (so transactions
--         never conflict with each other: this measures their cost, not conflict handling).
--   gsiq  Query IndexName "gsi", KeyConditionExpression "gsi_pk = :g" on a random loaded GSI partition.
--
-- Arguments (after `--` on the wrk command line), positional:
--   1 workload  txw | gsiq      2 table    3 nitems    4 perpart    5 ngsi    6 nthreads (wrk -t)
--   7 runid (tag of the keys Put writes)  8 region  9 amzdate (X-Amz-Date)  10 padlen (length of "data")

local threads = {}
local next_tid = 0

function setup(thread)
   thread:set("tid", next_tid)
   next_tid = next_tid + 1
   table.insert(threads, thread)
end

local OPS = { txw = "TransactWriteItems", gsiq = "Query" }
local fmt = string.format

local function gcd(a, b)
   while b ~= 0 do a, b = b, a % b end
   return a
end

function init(args)
   workload = args[1]
   tbl      = args[2]
   nitems   = tonumber(args[3])
   perpart  = tonumber(args[4])
   ngsi     = tonumber(args[5])
   local nthreads = tonumber(args[6])
   runid    = args[7]
   local region  = args[8]
   local amzdate = args[9]
   pad      = string.rep("x", tonumber(args[10]))
   assert(OPS[workload], "unknown workload " .. tostring(workload))
   tid = tid or 0

   math.randomseed(os.time() + 7919 * tid)
   non2xx, bad, seq, sample = 0, 0, 0, ""

   -- this thread's slice of the items, and a stride coprime with its size (a permutation of the slice)
   span = math.floor(nitems / nthreads)
   base = tid * span
   stride = 7919
   while gcd(stride, span) ~= 1 do stride = stride + 1 end
   walk = math.random(0, span - 1)

   headers = {
      ["Content-Type"] = "application/x-amz-json-1.0",
      ["X-Amz-Target"] = "DynamoDB_20120810." .. OPS[workload],
      ["X-Amz-Date"] = amzdate,
      ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDNUBISBENCHXTRA/"
         .. string.sub(amzdate, 1, 8) .. "/" .. region .. "/dynamodb/aws4_request, "
         .. "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
         .. "Signature=" .. string.rep("0f", 32),
   }
   if workload == "gsiq" then
      want = '"Count"%s*:%s*' .. math.floor(nitems / ngsi) .. '[%s,}]'
   else
      want = nil
   end
end

local function key_of(i)
   return fmt('{"pk":{"S":"p%07d"},"sk":{"S":"s%02d"}}', math.floor(i / perpart), i % perpart)
end

-- the next distinct item of this thread's slice
local function next_item()
   walk = walk + 1
   return base + (walk * stride) % span
end

function request()
   local body
   if workload == "txw" then
      seq = seq + 1
      local k1, k2, k3 = key_of(next_item()), key_of(next_item()), key_of(next_item())
      body = fmt('{"TransactItems":['
                 .. '{"Update":{"TableName":"%s","Key":%s,"UpdateExpression":"ADD n :one",'
                 .. '"ExpressionAttributeValues":{":one":{"N":"1"}}}},'
                 .. '{"Update":{"TableName":"%s","Key":%s,"UpdateExpression":"ADD n :one",'
                 .. '"ExpressionAttributeValues":{":one":{"N":"1"}}}},'
                 .. '{"Put":{"TableName":"%s","Item":{"pk":{"S":"w%s-%d-%d"},"sk":{"S":"s00"},'
                 .. '"n":{"N":"0"},"gsi_pk":{"S":"x%s-%d-%d"},"gsi_sk":{"S":"t%d"},"data":{"S":"%s"}}}},'
                 .. '{"ConditionCheck":{"TableName":"%s","Key":%s,'
                 .. '"ConditionExpression":"attribute_exists(pk)"}}]}',
                 tbl, k1, tbl, k2,
                 tbl, runid, tid, seq, runid, tid, math.floor(seq / 10), seq, pad,
                 tbl, k3)
   else -- gsiq
      body = fmt('{"TableName":"%s","IndexName":"gsi","KeyConditionExpression":"gsi_pk = :g",'
                 .. '"ExpressionAttributeValues":{":g":{"S":"g%05d"}}}', tbl, math.random(0, ngsi - 1))
   end
   return wrk.format("POST", "/", headers, body)
end

function response(status, hdrs, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if sample == "" then sample = fmt("HTTP %d %s", status, string.sub(body or "", 1, 300)) end
   elseif want then
      if not (body and string.find(body, want)) then
         bad = bad + 1
         if sample == "" then sample = "bad body: " .. string.sub(body or "", 1, 300) end
      end
   elseif not (body and string.find(body, "^%s*{") and not string.find(body, '"__type"', 1, true)) then
      bad = bad + 1
      if sample == "" then sample = "bad body: " .. string.sub(body or "", 1, 300) end
   end
end

local function json_str(s)
   return '"' .. string.gsub(s, '[%c"\\]', function(c) return fmt("\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
   local n2, b, samples = 0, 0, {}
   for _, t in ipairs(threads) do
      n2 = n2 + (t:get("non2xx") or 0)
      b = b + (t:get("bad") or 0)
      local s = t:get("sample")
      if s and s ~= "" then table.insert(samples, json_str(s)) end
   end
   local e = summary.errors
   io.write(fmt('WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,'
                .. '"bad":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,'
                .. '"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"p999_us":%.0f,"max_us":%.0f,'
                .. '"mean_us":%.1f,"samples":[%s]}\n',
                summary.requests, summary.duration, summary.bytes, n2, b,
                e.connect, e.read, e.write, e.timeout,
                latency:percentile(50), latency:percentile(90),
                latency:percentile(99), latency:percentile(99.9),
                latency.max, latency.mean, table.concat(samples, ",")))
end
