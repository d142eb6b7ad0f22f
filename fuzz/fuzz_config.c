/*
 * libFuzzer target: the bytes are a config file. They are written to a
 * memfd (mode 0600, so literal secrets are accepted and reach the value
 * checks) and loaded by path; a loaded config is printed to /dev/null.
 */
#include "autoconf.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE	*devnull;
	struct config	*cfg;
	char		 path[64], *cause = NULL;
	int		 fd;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	if ((fd = memfd_create("fuzz_config", MFD_CLOEXEC)) == -1)
		abort();
	if (fchmod(fd, 0600) == -1 ||
	    (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if ((cfg = config_load(path, &cause)) != NULL) {
		if (config_print(cfg, devnull) == -1)
			abort();
		config_free(cfg);
	} else if (cause == NULL || *cause == '\0')
		abort();	/* a refusal always says why */
	free(cause);
	close(fd);
	return 0;
}
