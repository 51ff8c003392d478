# Writes the bad-input corpus (tool_arguments.jsonl, jsonrpc.jsonl, config.jsonl). The .jsonl files are the
# source of truth and may be edited by hand; this script only records how the first version was made.
# "{PAD:N}" inside any string stands for N "x" characters, "{VALID_KEY}" for a freshly generated EC private key
# (tests/corpus.rs expands both).
import json
cases = []
def add(tool, args, expect="refused", mentions=None, note=""):
    c = {"tool": tool, "arguments": args, "expect": expect}
    if expect == "ok_rows": c["rows"] = 0
    if mentions: c["mentions"] = mentions
    if note: c["note"] = note
    cases.append(c)

bad_types = [5, None, [], {}, True, 1.5]
bad_record_types = ["", " ", "../../auth", "..", "%2e%2e", "customer/../../auth", "customer/1", "customer?x=1",
  "customer#x", "customer&q=1", "cust omer", "customer\n", "customer\u0000", "kündé", "customer%2F1", "1customer",
  "_customer", "customer;DROP TABLE customer", "customer'--", "{PAD:5000}", "customer\\..\\x", "CUSTOMER%00", "💥"]
rt_tools = {
  "get_record": {"id": "1"},
  "list_records": {},
  "delete_record": {"id": "1"},
  "describe_record_type": {},
  "create_record": {"values": {"companyname": "x"}},
  "update_record": {"id": "1", "values": {"phone": "1"}},
  "upsert_record": {"external_id": "X1", "values": {"companyname": "x"}},
}
for tool, base in rt_tools.items():
    for rt in bad_record_types:
        add(tool, dict(base, record_type=rt), mentions="`record_type`", note="path injection / malformed record type")
    for bt in [5, None, [], {}, True]:
        add(tool, dict(base, record_type=bt), mentions="record_type", note="wrong type")
    add(tool, base, mentions="record_type", note="missing")

bad_ids = ["", "../../auth", "1/../../auth", "%2e%2e", "1?expandSubResources=true", "1#x", "1 2", " 1", "١٢",
  "eid:../x", "eid:a/b", "eid:", "eid:a b", "-1", "1.5", "1e3", "0x10", "1;DROP", "1 OR 1=1", "1'--", "eid:%2F",
  "eid:a?b", "abc", "1\n", "\u0000"]
for tool in ["get_record", "delete_record", "update_record"]:
    base = {"record_type": "customer"}
    if tool == "update_record": base["values"] = {"phone": "1"}
    for i in bad_ids:
        add(tool, dict(base, id=i), mentions="`id`", note="id injection / malformed id")
    for bt in [None, [], {}, True, 1.5, -3]:
        add(tool, dict(base, id=bt), mentions="id", note="wrong type")

for ext in ["", "a b", "../x", "a/b", "a?b", "a#b", "%2F", "a\nb"]:
    add("upsert_record", {"record_type": "customer", "external_id": ext, "values": {"a": 1}}, mentions="`external_id`")

for f in ["a", [1], ["a b"], ["a&b=c"], ["../x"], ["a,b"], [""], [None], {}]:
    add("get_record", {"record_type": "customer", "id": "1", "fields": f}, mentions="fields")
for e in ["yes", 1, [], {}]:
    add("get_record", {"record_type": "customer", "id": "1", "expand_sub_resources": e}, mentions="expand_sub_resources")

add("get_record", {"record_type": "customer", "id": "1", "fields": []}, mentions="fields", note="names no field")

# run_suiteql
for q in [5, None, [], {}, True]:
    add("run_suiteql", {"query": q}, mentions="query", note="wrong type")
for q in ["", "   ", "\n\t"]:
    add("run_suiteql", {"query": q}, mentions="`query`")
add("run_suiteql", {}, mentions="query")
for lim in [0, -1, 1001, 5000, 1.5, "10", "abc", None, [], 2**40, -2**40]:
    add("run_suiteql", {"query": "SELECT id FROM customer", "limit": lim}, mentions="limit")
for off in [-1, -5, "0", 1.5, None, [], 2**40, "abc", 100000, 99999999]:
    add("run_suiteql", {"query": "SELECT id FROM customer", "offset": off}, mentions="offset")
for unk in ["limt", "sql", "q", "account", "base_url", "headers"]:
    add("run_suiteql", {"query": "SELECT id FROM customer", unk: "x"}, mentions=unk, note="unknown argument")

# list_records
for lim in [0, 1001, "10", -1]:
    add("list_records", {"record_type": "customer", "limit": lim}, mentions="limit")
for off in [-1, "x"]:
    add("list_records", {"record_type": "customer", "offset": off}, mentions="offset")
for q in [5, [], {}]:
    add("list_records", {"record_type": "customer", "q": q}, mentions="q")

# writes: values
for v in ["{\"companyname\":\"x\"}", [], 5, None, {}, True, "x"]:
    add("create_record", {"record_type": "customer", "values": v}, mentions="values")
    add("update_record", {"record_type": "customer", "id": "1", "values": v}, mentions="values")
for r in ["x", [1], ["a&b"], ["../x"], {}]:
    add("update_record", {"record_type": "customer", "id": "1", "values": {"a": 1}, "replace": r}, mentions="replace")
# A sublist named in replace but not sent would change nothing.
for values in [{"memo": "x"}, {"item": {"items": []}}]:
    add("update_record", {"record_type": "salesorder", "id": "1", "values": values, "replace": ["item", "addressbook"]}, mentions="values.")

# metadata
for f in [5, [], {}, True]:
    add("list_record_types", {"filter": f}, mentions="filter")

# restlets
for s, d in [("1&deploy=2", "1"), ("1", "../x"), ("a b", "1"), ("", "1"), ("1", ""), ("1?x=1", "1"), ("1", "1#x"),
             ("../../services/rest/auth", "1"), ("1/2", "1"), ("1", "1&script=2"), ("1\n", "1"), ("%31", "1")]:
    add("call_restlet", {"script": s, "deploy": d}, mentions=["`script`", "`deploy`"])
for m in ["PATCH", "TRACE", "CONNECT", "get ", "", 5, None, "GET\r\nX-Injected: 1"]:
    add("call_restlet", {"script": "1", "deploy": "1", "method": m}, mentions="method")
for p in [{"script": "9"}, {"deploy": "2"}, {"SCRIPT": "9"}, "a=1", [1], 5]:
    add("call_restlet", {"script": "1", "deploy": "1", "params": p}, mentions="params")
for s in [None, [], {}, True]:
    add("call_restlet", {"script": s, "deploy": "1"}, mentions="script")

# SuiteQL injection through custom-tool parameters (the example tools in ./tools). A payload must stay a literal:
# no company or item name in the demo data contains these strings, so a safe search returns 0 rows, while a
# successful injection would return every row. Values that cannot be literals of the declared type are refused.
for payload in ["' OR '1'='1", "x' OR 'a'='a' --", "'; DROP TABLE customer; --", "' UNION SELECT id, id, id, id, id FROM employee --",
                "%' OR 1=1 OR '%'='", "\\' OR 1=1 --", "'' OR ''='", "x') OR ('1'='1", "{{text}}", "' || (SELECT 1) || '",
                "%", "_", "') --", "Acme' AND 1=0 UNION SELECT 1 --"]:
    exp = "ok_rows" if payload not in ("%", "_") else "ok"
    add("find_customers", {"text": payload}, expect=exp, mentions=None, note="SuiteQL injection through a string parameter")
    add("items_by_name", {"name": payload}, expect=exp, note="SuiteQL injection through a string parameter")
for payload in ["a\u0000b", "line\nbreak", "tab\there", "{PAD:101}"]:
    add("find_customers", {"text": payload.encode().decode("unicode_escape")}, mentions="text", note="control characters / too long")
for cid in ["1 OR 1=1", "1; DROP TABLE customer", "1)", 1.5, -1, 0, "abc", [1], {"a": 1}, None, True, 2**70]:
    add("open_invoices", {"customer_id": cid}, mentions="customer_id", note="integer parameter")
for st in [["CustInvc:A') OR ('1'='1"], ["CustInvc:A' --"], [], "CustInvc:A", [5], ["x"]]:
    add("open_invoices", {"customer_id": 1, "statuses": st}, mentions="statuses", note="list parameter")
for d in ["2024-01-01' OR '1'='1", "2024-13-01", "2024-02-30", "yesterday", "2024/01/01", "TO_DATE('2024-01-01')", 20240101, ""]:
    add("item_sales", {"from_date": d, "to_date": "2025-12-31"}, mentions="from_date", note="date parameter")
for t in [["InvtPart') OR ('1'='1"], ["Bogus"], "InvtPart", []]:
    add("items_by_name", {"name": "x", "item_types": t}, mentions="item_types", note="enum list parameter")
add("find_customers", {"text": "x", "include_inactive": "T' OR '1'='1"}, mentions="include_inactive")
add("find_customers", {"text": "x", "extra": "1"}, mentions="extra", note="unknown argument")

# unknown tools: protocol errors
for name in ["nope", "", "../run_suiteql", "RUN_SUITEQL", "run_suiteql ", "run_suiteql\u0000", "tools/list", "{PAD:1000}"]:
    add(name, {}, expect="protocol_error")

# huge arguments
add("run_suiteql", {"query": "SELECT id FROM customer", "limit": 10, "padding": "{PAD:200000}"}, mentions="padding", note="huge unknown argument")
add("create_record", {"record_type": "customer{PAD:8000}", "values": {"a": "{PAD:100000}"}}, mentions="`record_type`", note="huge")

with open("tool_arguments.jsonl", "w") as f:
    f.write("")
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(len(cases))

# JSON-RPC lines sent raw to the stdio server after initialization.
rpc = []
def r(line, expect="error", note="", code=None):
    rpc.append({"line": line, "expect": expect, **({"note": note} if note else {}), **({"code": code} if code else {})})
r("not json")
r("{")
r('{"jsonrpc":"2.0","id":100,"method":"tools/list"', note="truncated")
r('{"jsonrpc":"2.0","id":101,"method":"tools/call","params":{"name":"get_record","arguments":"x"}}', note="arguments not an object", code=-32602)
r('{"jsonrpc":"2.0","id":102,"method":"tools/call","params":{"name":"get_record","arguments":[1,2]}}', code=-32602)
r('{"jsonrpc":"2.0","id":103,"method":"tools/call","params":{"name":5}}', code=-32602)
r('{"jsonrpc":"2.0","id":104,"method":"tools/call","params":"x"}', code=-32600, note="params must be an object or array: an invalid request")
r('{"jsonrpc":"2.0","id":105,"method":"tools/call"}', code=-32602)
r('{"jsonrpc":"2.0","id":106,"method":"no/such/method"}', code=-32601)
r('{"jsonrpc":"2.0","id":116,"method":"prompts/get","params":{}}', code=-32602)
r('{"jsonrpc":"2.0","id":117,"method":"resources/read","params":{"uri":5}}', code=-32602)
r('{"jsonrpc":"2.0","id":118,"method":"completion/complete","params":{}}', code=-32602)
r('{"jsonrpc":"1.0","id":107,"method":"ping"}')
r('{"id":108,"method":"ping"}')
r('{"jsonrpc":"2.0","id":109}')
r('{"jsonrpc":"2.0","method":5,"id":110}')
r('[]', expect="any")
r('[{"jsonrpc":"2.0","id":111,"method":"ping"}]', expect="any", note="batch (removed from MCP)")
r('null')
r('"string"')
r('12345')
r('{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}')
r('{"jsonrpc":"2.0","id":[1],"method":"ping"}')
r('{"jsonrpc":"2.0","id":112,"method":"tools/call","params":{"name":"run_suiteql","arguments":{"query":"{PAD:1000000}"}}}', expect="any", note="1 MB query")
r('{"jsonrpc":"2.0","id":113,"method":"tools/list","params":{"cursor":5}}', expect="any", note="rmcp ignores a bad cursor and lists")
r('{"jsonrpc":"2.0","id":114,"method":"initialize","params":{}}', expect="any", note="second initialize")
r('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":999999}}', expect="any")
r('{"jsonrpc":"2.0","method":"notifications/unknown"}', expect="any")
r('\u0000\u0001\u0002')
r('{"jsonrpc":"2.0","id":115,"method":"tools/call","params":{"name":"get_record","arguments":{"record_type":"customer","id":"1"},"_meta":5}}', expect="any")
r('{"jsonrpc":"2.0","id":116,"result":{}}', expect="any", note="a response nobody asked for")
r('{"jsonrpc":"2.0","id":117,"error":{"code":1,"message":"x"}}', expect="any")
r('{"jsonrpc":"2.0","id":118,"method":"tools/call","params":{"name":"get_record","arguments":{"record_type":"customer","id":"1"}},"extra":1}', expect="any")
r("  ", expect="any", note="blank line")
with open("jsonrpc.jsonl", "w") as f:
    for c in rpc:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(len(rpc))

# Config files and keys given to `netsuite-mcp tools list` / `serve`: each must exit 2 with a clear message.
cfg = []
def c(name, toml=None, env=None, mentions="", args=None):
    d = {"name": name, "mentions": mentions}
    if toml is not None: d["toml"] = toml
    if env: d["env"] = env
    if args: d["args"] = args
    cfg.append(d)
c("not toml", toml="this is not = = toml", mentions="line 1")
c("unclosed table", toml="[profiles.sb\naccount_id = \"1\"", mentions="line 1")
c("unknown key", toml="acount_id = \"1\"", mentions="acount_id")
c("wrong type", toml="max_concurrency = \"five\"", mentions="max_concurrency")
c("negative", toml="max_concurrency = -1", mentions="max_concurrency")
c("read_only string", toml="read_only = \"maybe\"", mentions="read_only")
c("unknown toolset", toml="toolsets = [\"sql\"]", mentions="sql")
c("unknown tool", toml="tools = [\"drop_everything\"]", mentions="drop_everything")
c("nested profiles", toml="[profiles.a]\nprofile = \"b\"", mentions="profiles.a", args=["--profile", "a"])
c("unknown profile", toml="account_id = \"1\"", mentions="nope", args=["--profile", "nope"])
c("binary garbage", toml="\u0000\u0001\u00ff", mentions="config file")
c("huge string", toml="account_id = \"{PAD:100000}\"\nmax_result_chars = 10", mentions="MAX_RESULT_CHARS")
c("result budget too small", toml="max_result_chars = 10", mentions="MAX_RESULT_CHARS")
c("bad record type allow-list", toml="record_types = [\"../x\"]", mentions="../x")
c("missing file", mentions="/nonexistent/netsuite-mcp.toml", args=["--config", "/nonexistent/netsuite-mcp.toml"])
# Keys: `serve` must refuse them at start with the setting named; the key text must not be echoed.
keybase = {"NETSUITE_ACCOUNT_ID": "1234567", "NETSUITE_CLIENT_ID": "c", "NETSUITE_CERTIFICATE_ID": "k"}
for name, key in [("garbage key", "not a key"), ("empty PEM", "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"),
    ("bad base64", "-----BEGIN PRIVATE KEY-----\n!!!!notbase64!!!!\n-----END PRIVATE KEY-----\n"),
    ("truncated PEM", "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n"),
    ("certificate instead of key", "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ4+x\n-----END CERTIFICATE-----\n"),
    ("public key", "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"),
    ("encrypted key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n"),
    ("binary", "\u0001\u0002\u0003")]:
    c(name, env=dict(keybase, NETSUITE_PRIVATE_KEY=key), mentions="NETSUITE_PRIVATE_KEY", args=["serve"])
c("key path is a directory", env=dict(keybase, NETSUITE_PRIVATE_KEY_PATH="/"), mentions="NETSUITE_PRIVATE_KEY_PATH", args=["serve"])
c("key path missing", env=dict(keybase, NETSUITE_PRIVATE_KEY_PATH="/nonexistent/key.pem"), mentions="NETSUITE_PRIVATE_KEY_PATH", args=["serve"])
c("bad algorithm", env=dict(keybase, NETSUITE_PRIVATE_KEY="x", NETSUITE_ALGORITHM="RS256"), mentions="NETSUITE_ALGORITHM", args=["serve"])
c("bad account", env=dict(keybase, NETSUITE_ACCOUNT_ID="../evil", NETSUITE_PRIVATE_KEY="x"), mentions="account", args=["serve"])
c("bad base url", env=dict(keybase, NETSUITE_BASE_URL="http://evil.example", NETSUITE_PRIVATE_KEY="x"), mentions="NETSUITE_BASE_URL", args=["serve"])
c("bad concurrency", env=dict(keybase, NETSUITE_MAX_CONCURRENCY="0", NETSUITE_PRIVATE_KEY="{VALID_KEY}"), mentions="NETSUITE_MAX_CONCURRENCY", args=["serve"])
c("bad retry knob", env=dict(keybase, NETSUITE_RETRY_MAX_ATTEMPTS="many"), mentions="NETSUITE_RETRY_MAX_ATTEMPTS", args=["serve"])
with open("config.jsonl", "w") as f:
    for x in cfg:
        f.write(json.dumps(x, ensure_ascii=False) + "\n")
print(len(cfg))
