// SwiftPM builds a C target from at least one source file; the declaration in include/ is the point.
#include "CLibFuzzer.h"
