#!/usr/bin/env python3
# A connection flood (2,500 silent connections from 127.0.0.1) and slowloris (300 connections sending a header line
# every 2 s), each with a canary on 127.0.0.2 asking /health every 20 ms (RELIABILITY.md, rows 5b and 5c).
# Usage: ulimit -n 20000; connection-abuse.py PORT
import socket, time, threading, statistics, sys, http.client
port = int(sys.argv[1])
def canary(stop, lat):
    while not stop.is_set():
        t = time.time()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=("127.0.0.2", 0))
        try:
            c.request("GET", "/health"); c.getresponse().read(); lat.append(time.time() - t)
        except Exception as e:
            lat.append(99)
        c.close(); time.sleep(0.02)
def p99(xs): xs = sorted(xs); return xs[int(len(xs)*0.99)-1] if xs else None
# 1. flood: 2,500 idle connections from 127.0.0.1
stop = threading.Event(); lat = []
th = threading.Thread(target=canary, args=(stop, lat)); th.start()
socks = []; t = time.time()
for i in range(2500):
    s = socket.socket(); s.connect(("127.0.0.1", port)); socks.append(s)
time.sleep(1)
open_ = 0
for s in socks:
    s.setblocking(False)
    try:
        d = s.recv(1)
        if d == b"": continue
        open_ += 1
    except BlockingIOError:
        open_ += 1
    except Exception:
        pass
print(f"flood: 2500 opened from one address, {open_} still open after 1 s (limit 2000)")
# 2. how long the admitted silent ones stay
t0 = time.time(); closed_at = []
while time.time() - t0 < 20 and len(closed_at) < open_:
    for s in socks:
        try:
            d = s.recv(1)
            if d == b"" and s not in closed_at: closed_at.append(s)
        except BlockingIOError: pass
        except Exception:
            if s not in closed_at: closed_at.append(s)
    time.sleep(0.2)
print(f"silent: all closed {time.time()-t:.1f} s after opening ({len(closed_at)} seen closed)")
for s in socks: s.close()
stop.set(); th.join()
print(f"canary during flood: {len(lat)} requests, median {statistics.median(lat)*1000:.1f} ms, p99 {p99(lat)*1000:.1f} ms, failures {sum(1 for x in lat if x == 99)}")
# 3. slowloris: 300 connections, a header line every 2 s
stop = threading.Event(); lat = []
th = threading.Thread(target=canary, args=(stop, lat)); th.start()
slow = []
for i in range(300):
    s = socket.socket(); s.connect(("127.0.0.1", port)); s.sendall(b"GET /health HTTP/1.1\r\n"); slow.append(s)
t = time.time(); alive = len(slow)
while alive and time.time() - t < 30:
    alive = 0
    for s in slow:
        try: s.sendall(b"X-a: b\r\n"); alive += 1
        except Exception: pass
    time.sleep(2)
print(f"slowloris: 300 connections, all closed after {time.time()-t:.1f} s" if not alive else f"slowloris: {alive} still open after 30 s")
stop.set(); th.join()
print(f"canary during slowloris: {len(lat)} requests, median {statistics.median(lat)*1000:.1f} ms, p99 {p99(lat)*1000:.1f} ms, failures {sum(1 for x in lat if x == 99)}")
