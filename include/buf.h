/*
 * A growable byte buffer with a hard cap. The data is always followed by a
 * NUL byte (not counted in len), so text can be used as a C string.
 */
#ifndef CWG_BUF_H
#define CWG_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;		/* allocated bytes, NUL included */
	size_t	 max;		/* hard cap on len */
};

/* max is the most bytes the buffer may ever hold (0: 1 MiB). */
void	 buf_init(struct buf *, size_t max);
/* Wipes then frees the memory; the buffer can be reused after buf_init. */
void	 buf_cleanup(struct buf *);
void	 buf_reset(struct buf *);
/* Return 0, or -1 (nothing appended) when the cap would be exceeded. */
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_puts(struct buf *, const char *);
int	 buf_putc(struct buf *, char);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* Always a valid C string, "" when empty. */
const char *buf_cstr(const struct buf *);
/* Keeps the first n bytes (nothing when n >= len), wiping the rest. */
void	 buf_truncate(struct buf *, size_t n);
/* Removes the first n bytes. */
void	 buf_consume(struct buf *, size_t);
/* Hands the data to the caller (free it), leaving the buffer empty. */
char	*buf_steal(struct buf *, size_t *lenp);

#endif
