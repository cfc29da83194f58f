/*
 * libtinyinit-fqdn.so: makes gethostname() and uname() report the FQDN in
 * TINYINIT_FQDN, for containers where tinyinit may not call sethostname(2).
 *
 * It is loaded into every dynamically linked program of the app through
 * LD_PRELOAD, with glibc or musl, so it is built with -nostdlib and links
 * against no libc: its only imports (getenv, syscall, __errno_location) are
 * exported under those names by both, and resolve against whichever libc
 * the program already loaded. For the same reason it calls no string
 * functions that _FORTIFY_SOURCE could turn into glibc-only __*_chk ones.
 *
 * With TINYINIT_FQDN unset or empty, both functions behave as libc's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *fqdn(void)
{
	const char *n = getenv("TINYINIT_FQDN");
	return n && *n ? n : NULL;
}

static size_t length(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* copy writes s and its NUL into dst of size n; -1 when it does not fit. */
static int copy(char *dst, size_t n, const char *s)
{
	size_t l = length(s);
	if (l >= n)
		return -1;
	for (size_t i = 0; i <= l; i++)
		dst[i] = s[i];
	return 0;
}

/*
 * The real uname is the system call, not libc's uname: calling libc's would
 * need dlsym(RTLD_NEXT), which lives in libdl on older glibc.
 */
static int sys_uname(struct utsname *u)
{
	return syscall(SYS_uname, u) ? -1 : 0;
}

int uname(struct utsname *u)
{
	if (sys_uname(u))
		return -1;
	const char *n = fqdn();
	/* A name longer than the nodename field (64) cannot be reported
	 * whole; the real one is better than a truncated FQDN. */
	if (n && length(n) < sizeof u->nodename)
		copy(u->nodename, sizeof u->nodename, n);
	return 0;
}

int gethostname(char *name, size_t len)
{
	struct utsname u;
	const char *n = fqdn();
	if (!n) {
		if (sys_uname(&u))
			return -1;
		n = u.nodename;
	}
	if (copy(name, len, n)) {
		/* glibc's behaviour: as much as fits, and ENAMETOOLONG. */
		for (size_t i = 0; i < len; i++)
			name[i] = n[i];
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * Programs built with _FORTIFY_SOURCE call glibc's __gethostname_chk,
 * which reaches the real gethostname internally, past this library.
 */
int __gethostname_chk(char *name, size_t len, size_t buflen)
{
	if (len > buflen)
		len = buflen; /* glibc would abort; never write past the buffer */
	return gethostname(name, len);
}
