// hiredis (Debian libhiredis-dev 0.14, RESP2): the synchronous context API only. Its calls block, so the
// Swift side keeps them on threads of its own (see ChamberRedis).
#include <hiredis/hiredis.h>
