#!/usr/bin/env python3
# Abuse that gets through the door (RELIABILITY.md row 5e), each with a canary on 127.0.0.2 asking /health every
# 20 ms (first alone, for comparison): a revoked token replayed 2,000 times, 200 oversized and 200 deeply nested JSON bodies, and a socket flooding
# `send` frames as fast as it can write them. Each attack must be refused with its documented answer while the
# canary is served as usual.
# Usage: connection-abuse.py's server (`CHAMBER_SERVER_PORT=PORT chamberconnect serve --demo`), then
#   request-abuse.py PORT
import base64, http.client, json, os, socket, statistics, struct, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

port = int(sys.argv[1])
PASSWORD = "chamber-demo-2026"


def call(method, path, body=None, token=None, raw=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    c.request(method, path, body=raw if raw is not None else (json.dumps(body) if body is not None else None), headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def login(email):
    status, data = call("POST", "/v1/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, (status, data)
    return json.loads(data)["access_token"]


def canary(stop, lat):
    while not stop.is_set():
        t = time.time()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=("127.0.0.2", 0))
        try:
            c.request("GET", "/health")
            c.getresponse().read()
            lat.append(time.time() - t)
        except Exception:
            lat.append(99)
        c.close()
        time.sleep(0.02)


def with_canary(name, attack):
    stop, lat = threading.Event(), []
    th = threading.Thread(target=canary, args=(stop, lat))
    th.start()
    started = time.time()
    outcome = attack()
    took = time.time() - started
    stop.set()
    th.join()
    ok = sorted(x for x in lat if x != 99)
    p99 = ok[max(0, int(len(ok) * 0.99) - 1)] if ok else float("nan")
    print(f"{name}: {outcome} in {took:.1f} s; canary {len(lat)} requests, median {statistics.median(ok) * 1000:.1f} ms, "
          f"p99 {p99 * 1000:.1f} ms, failures {sum(1 for x in lat if x == 99)}")


def tally(statuses):
    counts = {}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))


with_canary("nothing (the canary alone)", lambda: time.sleep(5) or "5 s")

# 1. A token replayed after its session ended.
member = login("member@demo.chamberconnect.test")
status, _ = call("POST", "/v1/auth/logout", token=member)
assert status in (200, 204), status


def replay():
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: call("GET", "/v1/me", token=member)[0], range(2000)))
    return f"2000 replays of a logged-out token answered {tally(statuses)}"


with_canary("token replay", replay)

# 2. Oversized and deeply nested bodies, on a route that reads JSON.
admin = login("admin@demo.chamberconnect.test")
status, data = call("GET", "/v1/me", token=admin)
chamber_id = json.loads(data)["memberships"][0]["chamber"]["id"]
big = json.dumps({"name": "x" * (2 * 1024 * 1024)})
deep = "[" * 10_000 + "]" * 10_000


def bodies():
    with ThreadPoolExecutor(8) as pool:
        large = list(pool.map(lambda _: call("POST", f"/v1/chambers/{chamber_id}/channels", token=admin, raw=big)[0], range(200)))
        nested = list(pool.map(lambda _: call("POST", f"/v1/chambers/{chamber_id}/channels", token=admin, raw=deep)[0], range(200)))
    return f"200 bodies of 2 MiB answered {tally(large)}; 200 nested 10,000 deep (20 KB) answered {tally(nested)}"


with_canary("oversized and nested JSON", bodies)


# 3. A socket that floods `send` frames.
def frame(text):
    payload = text.encode()
    mask = os.urandom(4)
    head = bytes([0x81])
    n = len(payload)
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def flood():
    member = login("member@demo.chamberconnect.test")
    status, data = call("GET", f"/v1/chambers/{chamber_id}/channels", token=member)
    channel = json.loads(data)["items"][0]["channel"]["id"]
    s = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /v1/ws?chamber_id={chamber_id} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {member}\r\n\r\n").encode())
    received = bytearray()
    while b"\r\n\r\n" not in received:
        received += s.recv(4096)
    assert b" 101 " in received.split(b"\r\n")[0], received[:200]
    read = {"bytes": bytearray(received.split(b"\r\n\r\n", 1)[1]), "closed": None}

    def reader():
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            read["bytes"] += chunk

    th = threading.Thread(target=reader)
    th.start()
    sent = 0
    try:
        for i in range(5000):
            s.sendall(frame(json.dumps({"type": "send", "id": str(i), "channel_id": channel, "client_message_id": f"flood-{time.time()}-{i}", "body": "flood"})))
            sent += 1
    except OSError:
        pass
    th.join(timeout=10)
    s.close()
    data = bytes(read["bytes"])
    close = None
    index = data.rfind(b"\x88")
    if index >= 0 and index + 4 <= len(data):
        close = struct.unpack(">H", data[index + 2:index + 4])[0]
    text = data.decode("utf-8", "replace")
    acks = text.count('"type":"ack"')
    return (f"{sent} send frames written; answered {acks} acks, {text.count('rate_limited')} rate_limited, "
            f"{text.count('flood_limited')} flood_limited; closed with {close}")


with_canary("message flood", flood)
