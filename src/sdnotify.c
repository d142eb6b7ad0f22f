#include "autoconf.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify.h"
#include "util.h"

int
sdnotify_send(const char *msg)
{
	const char		*path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un	 sun;
	socklen_t		 len;
	size_t			 plen;
	int			 fd, rc = -1;

	if (path == NULL || *path == '\0')
		return 0;
	if ((path[0] != '/' && path[0] != '@') ||
	    (plen = strlen(path)) >= sizeof sun.sun_path) {
		log_warn("NOTIFY_SOCKET is not a usable socket path");
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '@' ? 0 : 1));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    len) == (ssize_t)strlen(msg))
		rc = 0;
	else
		log_debug("sd_notify: %s", strerror(errno));
	close(fd);
	return rc;
}

int
sdnotify_status(const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	memcpy(msg, "STATUS=", 7);
	va_start(ap, fmt);
	vsnprintf(msg + 7, sizeof msg - 7, fmt, ap);
	va_end(ap);
	/* One line: a newline would start another assignment. */
	msg[7 + strcspn(msg + 7, "\n")] = '\0';
	return sdnotify_send(msg);
}

double
sdnotify_watchdog_interval(void)
{
	const char	*us = getenv("WATCHDOG_USEC"), *pid;
	long long	 v, p;
	char		 err[64];

	if (us == NULL || util_parse_int(us, 1, 86400LL * 1000000, &v, err,
	    sizeof err) == -1)
		return 0;
	if ((pid = getenv("WATCHDOG_PID")) != NULL && *pid != '\0') {
		if (util_parse_int(pid, 1, 1LL << 31, &p, err, sizeof err) ==
		    -1 || (pid_t)p != getpid())
			return 0;
	}
	return v / 1e6;
}
