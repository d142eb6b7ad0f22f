#include "autoconf.h"
#include "tap.h"
#include "util.h"
int main(void) { int64_t d; char e[128]; ok(util_parse_duration("5m", &d, e, sizeof e) == 0 && d == 300, "5m"); return tap_done(); }
