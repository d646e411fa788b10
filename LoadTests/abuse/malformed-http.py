#!/usr/bin/env python3
# Sends each malformed request on a fresh connection to 127.0.0.1:PORT and prints the answer and how long the
# connection was held (RELIABILITY.md, row 5a). Usage: malformed-http.py PORT
import socket, time, sys
cases = {
 "two-CL": b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
 "CL+TE": b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
 "neg-CL": b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
 "huge-CL": b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
 "bareLF": b"GET /health HTTP/1.1\nHost: x\n\n",
 "obsfold": b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
 "bigheader": b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: " + b"a"*100000 + b"\r\n\r\n",
 "manyheaders": b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(2000)) + b"\r\n",
 "bigurl": b"GET /" + b"a"*1000000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
 "garbage": bytes(range(256))*4,
}
for name, data in cases.items():
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.settimeout(30)
    t = time.time()
    try:
        s.sendall(data)
    except Exception as e:
        print(name, "send error", e)
    got = b""
    try:
        while True:
            d = s.recv(65536)
            if not d: break
            got += d
    except Exception as e:
        got += b" <" + str(e).encode() + b">"
    print(f"{name:12} {time.time()-t:5.2f}s {got[:60]!r}")
    s.close()
