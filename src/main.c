#include "autoconf.h"
#include <stdio.h>
int main(void) { puts(PACKAGE_VERSION); return 0; }
