/* buf: growth, the hard cap, printf, truncate, consume, steal. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"

int
main(void)
{
	struct buf	 b;
	char		*p, big[300];
	size_t		 len, i;
	int		 rc = 0;

	buf_init(&b, 100);
	is_str(buf_cstr(&b), "", "empty buffer is an empty string");
	ok(buf_puts(&b, "hello") == 0 && b.len == 5, "puts");
	ok(buf_printf(&b, " %d %s", 42, "x") == 0, "printf");
	is_str(buf_cstr(&b), "hello 42 x", "contents");
	memset(big, 'a', sizeof big);
	ok(buf_append(&b, big, 90) == 0 && b.len == 100, "fill to the cap");
	ok(buf_putc(&b, 'z') == -1 && b.len == 100, "one past the cap refused");
	ok(buf_printf(&b, "%s", "y") == -1 && b.len == 100,
	    "printf past the cap refused, nothing appended");
	ok(b.data[100] == '\0', "still NUL-terminated");
	buf_truncate(&b, 1000);
	ok(b.len == 100, "truncate past the end keeps everything");
	buf_truncate(&b, 99);
	ok(b.len == 99 && b.data[99] == '\0' && b.data[98] == big[88],
	    "truncate drops the tail, still NUL-terminated");
	ok(buf_putc(&b, 'z') == 0 && b.len == 100 && b.data[99] == 'z',
	    "the cut byte is room again");
	buf_consume(&b, 6);
	ok(b.len == 94 && strncmp(b.data, "42 x", 4) == 0, "consume");
	buf_consume(&b, 1000);
	ok(b.len == 0 && buf_cstr(&b)[0] == '\0', "consume everything");
	buf_reset(&b);
	for (i = 0; i < 100 && rc == 0; i++)
		rc = buf_putc(&b, (char)('0' + i % 10));
	ok(rc == 0 && b.len == 100 && b.data[99] == '9', "grow byte by byte");
	p = buf_steal(&b, &len);
	ok(len == 100 && p[100] == '\0' && b.data == NULL && b.len == 0,
	    "steal hands over the data");
	free(p);
	buf_cleanup(&b);

	buf_init(&b, 0);
	ok(b.max == 1024 * 1024, "default cap is 1 MiB");
	ok(buf_append(&b, big, 0) == 0 && b.len == 0, "empty append");
	ok(buf_append(&b, big, (size_t)-1) == -1, "huge append refused");
	buf_cleanup(&b);
	buf_cleanup(&b);
	ok(b.data == NULL, "cleanup twice is safe");
	return tap_done();
}
