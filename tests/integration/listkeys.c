/*
 * listkeys: prints the config key table (config_keys()), one key a line:
 * SECTION<TAB>KEY<TAB>TYPE<TAB>DEFAULT<TAB>HELP. manpages.sh checks that
 * cwguard.conf(5) and conf/cwguard.conf document every key.
 */
#include "autoconf.h"

#include <stdio.h>

#include "config.h"

static const char *const type_names[] = { "string", "duration", "integer",
    "number", "boolean", "enum", "list", "secret", "header", "listen" };

int
main(void)
{
	const struct config_key	*k;
	size_t			 i, n;

	k = config_keys(&n);
	for (i = 0; i < n; i++) {
		printf("%s\t%s\t%s\t%s\t%s\n",
		    config_section_name(k[i].section), k[i].name,
		    (size_t)k[i].type < sizeof type_names /
		    sizeof type_names[0] ? type_names[k[i].type] : "?",
		    k[i].def != NULL ? k[i].def : "-",
		    k[i].help != NULL ? k[i].help : "");
	}
	return ferror(stdout) ? 1 : 0;
}
