/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * /bin/clib: more of the C library on the real system, run by the libc.*
 * guest tests as ctest is (`clib CASE`; a line per failed check on
 * standard output; exit 0 on success): the registers a handler sees in
 * its ucontext and changes, setjmp and siglongjmp out of a fault, getopt,
 * the environment across exec, the errno of each file call's failures,
 * file mappings, and named pipes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/random.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <time.h>
#include <utime.h>
#include <sys/time.h>
#include <unistd.h>

#define PROGRAM "clib"
#include "check.h"

/* A load from the address in rax into rax, at a known address and of a
 * known length (48 8b 00: three bytes), so a handler can step over it. */
extern const char fault_load[];
__attribute__((noinline)) static long load_through(volatile long *p)
{
    long v;
    __asm__ volatile(".globl fault_load\nfault_load: movq (%%rax), %%rax"
                     : "=a"(v)
                     : "a"(p)
                     : "memory");
    return v;
}

static volatile long seen_rip, seen_cr2, seen_addr;

/* Reads the interrupted registers from the ucontext, and changes them:
 * rax gets 42 and rip steps over the load, which the return from the
 * handler then carries out, as Linux's rt_sigreturn would. It also blocks
 * SIGUSR2 in the mask to restore. */
static void step_over(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    (void)sig;
    seen_rip = uc->uc_mcontext.gregs[REG_RIP];
    seen_cr2 = uc->uc_mcontext.gregs[REG_CR2];
    seen_addr = (long)si->si_addr;
    uc->uc_mcontext.gregs[REG_RAX] = 42;
    uc->uc_mcontext.gregs[REG_RIP] += 3;
    sigaddset(&uc->uc_sigmask, SIGUSR2);
}

static void context(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = step_over;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
    sigset_t now;
    CHECK(sigprocmask(SIG_SETMASK, NULL, &now) == 0 && !sigismember(&now, SIGUSR2));
    long v = load_through((volatile long *)0x1230);
    CHECK(v == 42);
    CHECK(seen_rip == (long)fault_load);
    CHECK(seen_addr == 0x1230 && seen_cr2 == 0x1230);
    CHECK(sigprocmask(SIG_SETMASK, NULL, &now) == 0 && sigismember(&now, SIGUSR2));
    /* The handler stays installed: a second fault is stepped over too. */
    seen_rip = 0;
    CHECK(load_through((volatile long *)0x4560) == 42 && seen_addr == 0x4560);
    printf("context ok\n");
}

static jmp_buf plain;
static sigjmp_buf out_of_fault;
static volatile int faults;

/* Called through a volatile pointer, so the compiler keeps every level. */
static void deep(int n);
static void (*volatile deeper)(int) = deep;
static void deep(int n)
{
    if (n == 0)
        longjmp(plain, 7);
    deeper(n - 1);
}

/* Addresses in the unmapped first page, through a volatile pointer so the
 * compiler does not reason about them. */
static volatile int *volatile page_zero = (volatile int *)16;

static void jump_out(int sig)
{
    faults++;
    siglongjmp(out_of_fault, sig);
}

static void exit_from_handler(int sig)
{
    _exit(sig == SIGSEGV ? 7 : 8);
}

/* setjmp and longjmp through a deep call chain; sigsetjmp and siglongjmp
 * out of a SIGSEGV handler, twice (the mask saved by sigsetjmp comes back,
 * so SIGSEGV is not left blocked); a handler that exits with a code. */
static void jumps(void)
{
    volatile int rounds = 0;
    int r = setjmp(plain);
    if (r == 0) {
        rounds++;
        deep(100);
        CHECK(!"longjmp returned");
    }
    CHECK(r == 7 && rounds == 1);
    CHECK(signal(SIGSEGV, jump_out) != SIG_ERR);
    for (int i = 0; i < 2; i++) {
        int s = sigsetjmp(out_of_fault, 1);
        if (s == 0) {
            *page_zero = 1;
            CHECK(!"the store did not fault");
        }
        CHECK(s == SIGSEGV && faults == i + 1);
        sigset_t now;
        CHECK(sigprocmask(SIG_SETMASK, NULL, &now) == 0 && !sigismember(&now, SIGSEGV));
    }
    pid_t c = fork();
    if (c == 0) {
        signal(SIGSEGV, exit_from_handler);
        page_zero[2] = 1;
        _exit(0);
    }
    int status;
    CHECK(waitpid(c, &status, 0) == c && WIFEXITED(status) && WEXITSTATUS(status) == 7);
    /* Without a handler the fault kills, and wait says so. */
    c = fork();
    if (c == 0) {
        signal(SIGSEGV, SIG_DFL);
        page_zero[2] = 1;
        _exit(0);
    }
    CHECK(waitpid(c, &status, 0) == c && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    printf("jumps ok\n");
}

/* getopt's short options (clustered, with attached and separate
 * arguments, an unknown one, "--"), then getopt_long. */
static void options(void)
{
    char *argv1[] = {"prog", "-ab", "val", "-cfoo", "-z", "--", "-x", "rest", NULL};
    int argc1 = 8, a = 0, z = 0;
    const char *b = NULL, *c = NULL;
    int opt;
    opterr = 0;
    optind = 1;
    while ((opt = getopt(argc1, argv1, "ab:c:")) != -1) {
        if (opt == 'a')
            a++;
        else if (opt == 'b')
            b = optarg;
        else if (opt == 'c')
            c = optarg;
        else if (opt == '?')
            z = optopt;
    }
    CHECK(a == 1 && b && strcmp(b, "val") == 0 && c && strcmp(c, "foo") == 0 && z == 'z');
    CHECK(optind == 6 && strcmp(argv1[optind], "-x") == 0);
    static const struct option longs[] = {
        {"verbose", no_argument, NULL, 'v'},
        {"output", required_argument, NULL, 'o'},
        {0, 0, 0, 0},
    };
    char *argv2[] = {"prog", "--verbose", "--output=file", "--out", "second", "arg", NULL};
    int v = 0, outs = 0;
    const char *o = NULL;
    optind = 1;
    while ((opt = getopt_long(6, argv2, "vo:", longs, NULL)) != -1) {
        if (opt == 'v')
            v++;
        else if (opt == 'o') {
            outs++;
            o = optarg;
        }
    }
    CHECK(v == 1 && outs == 2 && o && strcmp(o, "second") == 0 && optind == 5);
    printf("getopt ok\n");
}

/* The environment: what exec gave, setenv, unsetenv and putenv, and an
 * exec'd copy of this program seeing the changed environment. */
static void environment(void)
{
    CHECK(getenv("CLIB_GIVEN") && strcmp(getenv("CLIB_GIVEN"), "given value") == 0);
    CHECK(setenv("CLIB_NEW", "new", 0) == 0 && strcmp(getenv("CLIB_NEW"), "new") == 0);
    CHECK(setenv("CLIB_NEW", "kept", 0) == 0 && strcmp(getenv("CLIB_NEW"), "new") == 0);
    CHECK(setenv("CLIB_NEW", "replaced", 1) == 0 && strcmp(getenv("CLIB_NEW"), "replaced") == 0);
    CHECK(unsetenv("CLIB_GIVEN") == 0 && getenv("CLIB_GIVEN") == NULL);
    static char put[] = "CLIB_PUT=put";
    CHECK(putenv(put) == 0 && strcmp(getenv("CLIB_PUT"), "put") == 0);
    CHECK(setenv("BAD=NAME", "x", 1) == -1 && errno == EINVAL);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        execl("/bin/clib", "clib", "env-child", (char *)NULL);
        _exit(99);
    }
    int status;
    CHECK(waitpid(c, &status, 0) == c && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("environment ok\n");
}

static int env_child(void)
{
    const char *n = getenv("CLIB_NEW"), *p = getenv("CLIB_PUT");
    printf("child: CLIB_NEW=%s CLIB_PUT=%s CLIB_GIVEN=%s\n", n ? n : "(none)", p ? p : "(none)",
           getenv("CLIB_GIVEN") ? "set" : "(none)");
    return 0;
}

#define FAILS(call, e) CHECK((errno = 0, (call) == -1) && errno == (e))

/* Each file call's failures with Linux's errno. */
static void errnos(void)
{
    char buf[16];
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    FAILS(open("/no/such", O_RDONLY), ENOENT);
    FAILS(open("/etc/passwd/x", O_RDONLY), ENOTDIR);
    FAILS(open("/tmp", O_WRONLY), EISDIR);
    FAILS(open(longname, O_RDONLY), ENAMETOOLONG);
    FAILS(open((const char *)1, O_RDONLY), EFAULT);
    FAILS(open("", O_RDONLY), ENOENT);
    int fd = open("/tmp/clib-errnos", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0);
    FAILS(open("/tmp/clib-errnos", O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
    CHECK(write(fd, "0123456789", 10) == 10);
    FAILS(pread(fd, (void *)1, 16, 0), EFAULT);
    FAILS(write(fd, (const void *)1, 16), EFAULT);
    FAILS(lseek(fd, 0, 99), EINVAL);
    FAILS(lseek(fd, -100, SEEK_SET), EINVAL);
    FAILS(pread(fd, buf, 4, -1), EINVAL);
    FAILS(ftruncate(fd, -1), EINVAL);
    int ro = open("/tmp/clib-errnos", O_RDONLY);
    CHECK(ro >= 0);
    FAILS(write(ro, "x", 1), EBADF);
    close(ro);
    FAILS(read(ro, buf, 1), EBADF);
    FAILS(read(-1, buf, 1), EBADF);
    struct stat st;
    FAILS(fstat(1000, &st), EBADF);
    FAILS(dup2(fd, -1), EBADF);
    CHECK(close(fd) == 0);
    FAILS(mkdir("/tmp/clib-errnos", 0755), EEXIST);
    FAILS(rmdir("/tmp/clib-errnos"), ENOTDIR);
    FAILS(unlink("/tmp"), EISDIR);
    CHECK(mkdir("/tmp/clib-dir", 0755) == 0);
    CHECK(close(open("/tmp/clib-dir/f", O_CREAT | O_WRONLY, 0644)) == 0);
    FAILS(rmdir("/tmp/clib-dir"), ENOTEMPTY);
    FAILS(rename("/tmp/clib-dir", "/tmp/clib-dir/f/sub"), ENOTDIR);
    FAILS(rename("/tmp/clib-dir", "/tmp/clib-dir/inside"), EINVAL);
    FAILS(link("/tmp/clib-dir", "/tmp/clib-dirlink"), EPERM);
    CHECK(symlink("/tmp/clib-loop-b", "/tmp/clib-loop-a") == 0 && symlink("/tmp/clib-loop-a", "/tmp/clib-loop-b") == 0);
    FAILS(open("/tmp/clib-loop-a", O_RDONLY), ELOOP);
    FAILS(chdir("/tmp/clib-errnos"), ENOTDIR);
    int p[2];
    CHECK(pipe(p) == 0);
    FAILS(lseek(p[0], 0, SEEK_SET), ESPIPE);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    FAILS(write(p[1], "x", 1), EPIPE);
    close(p[1]);
    int last = -1, n = 0;
    for (;;) {
        int f = open("/tmp/clib-errnos", O_RDONLY);
        if (f < 0) {
            CHECK(errno == EMFILE);
            break;
        }
        last = f;
        n++;
    }
    CHECK(n > 10);
    for (int f = last; f > 2 && n > 0; f--, n--)
        close(f);
    CHECK(unlink("/tmp/clib-loop-a") == 0 && unlink("/tmp/clib-loop-b") == 0);
    CHECK(unlink("/tmp/clib-dir/f") == 0 && rmdir("/tmp/clib-dir") == 0);
    CHECK(unlink("/tmp/clib-errnos") == 0);
    printf("errnos ok\n");
}

/* A file mapped shared read-only (a write() shows in it at once),
 * privately and writable at an offset (stores stay in the mapping), and
 * the refusals: a shared writable mapping (ENODEV: VM does not write
 * mapped pages back to files, see docs/ARCHITECTURE.md), an unaligned
 * offset, a bad descriptor. */
static void mappings(void)
{
    const char *path = "/tmp/clib-map";
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0);
    char page[4096];
    for (int i = 0; i < 3; i++) {
        memset(page, 'a' + i, sizeof page);
        CHECK(write(fd, page, sizeof page) == sizeof page);
    }
    char *shared = mmap(NULL, 3 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(shared != MAP_FAILED);
    if (shared == MAP_FAILED)
        return;
    CHECK(shared[0] == 'a' && shared[4096] == 'b' && shared[8191] == 'b' && shared[8192] == 'c');
    CHECK(pwrite(fd, "written", 7, 4096) == 7);
    CHECK(memcmp(shared + 4096, "written", 7) == 0);
    char *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
    CHECK(priv != MAP_FAILED);
    if (priv == MAP_FAILED)
        return;
    CHECK(memcmp(priv, "written", 7) == 0 && priv[4095] == 'b');
    memcpy(priv, "private", 7);
    char back[8];
    CHECK(pread(fd, back, 7, 4096) == 7 && memcmp(back, "written", 7) == 0);
    CHECK(memcmp(shared + 4096, "written", 7) == 0);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == ENODEV);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 100) == MAP_FAILED && errno == EINVAL);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, 1000, 0) == MAP_FAILED && errno == EBADF);
    CHECK(munmap(shared, 3 * 4096) == 0 && munmap(priv, 4096) == 0);
    CHECK(close(fd) == 0 && unlink(path) == 0);
    /* Shared anonymous memory: parent and child see each other's
     * stores, in a page touched before the fork and in one first
     * touched by the child after it; private memory stays private. */
    volatile int *both = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    volatile int *mine = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(both != MAP_FAILED && mine != MAP_FAILED);
    if (both == MAP_FAILED || mine == MAP_FAILED)
        return;
    both[0] = 1;
    mine[0] = 1;
    pid_t c = fork();
    if (c == 0) {
        both[0] = 2;
        both[1024] = 3;
        mine[0] = 4;
        _exit(both[0] == 2 ? 0 : 1);
    }
    int status;
    CHECK(waitpid(c, &status, 0) == c && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(both[0] == 2 && both[1024] == 3 && mine[0] == 1);
    CHECK(munmap((void *)both, 2 * 4096) == 0 && munmap((void *)mine, 4096) == 0);
    printf("mappings ok\n");
}

/* /dev/random, /dev/urandom and getrandom: fresh bytes every time, the
 * device numbers Linux uses, and getrandom's errors. */
static void randomness(void)
{
    struct stat st;
    CHECK(stat("/dev/random", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 8);
    CHECK(stat("/dev/urandom", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 9);
    unsigned char a[32], b[32], big[20000];
    int fd = open("/dev/urandom", O_RDWR);
    CHECK(fd >= 0);
    CHECK(read(fd, a, sizeof a) == sizeof a && read(fd, b, sizeof b) == sizeof b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK(read(fd, big, sizeof big) == sizeof big);
    int zeros = 0;
    for (size_t i = 0; i < sizeof big; i++)
        zeros += big[i] == 0;
    CHECK(zeros < 200); /* about 78 expected */
    CHECK(write(fd, "seed", 4) == 4);
    close(fd);
    fd = open("/dev/random", O_RDONLY | O_NONBLOCK);
    CHECK(fd >= 0 && read(fd, a, 16) == 16);
    close(fd);
    CHECK(getrandom(a, sizeof a, 0) == sizeof a);
    CHECK(getrandom(b, sizeof b, GRND_NONBLOCK) == sizeof b && memcmp(a, b, sizeof a) != 0);
    CHECK(getrandom(a, 0, 0) == 0);
    CHECK(getrandom(a, 16, 0x100) == -1 && errno == EINVAL);
    CHECK(getrandom((void *)8, 16, 0) == -1 && errno == EFAULT);
    printf("random ok\n");
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* mkfifo, mknod and named pipes: a reader and a writer in two processes
 * that each wait for the other's open, the bytes between them and the end
 * of file, ENXIO for a nonblocking writer with no reader, a FIFO open
 * read-write, EPIPE for a writer left alone, a waiting open that a signal
 * ends with EINTR, and a device node mknod makes that works as the
 * device. */
static void fifos(void)
{
    const char *f = "/tmp/clib-fifo";
    unlink(f);
    CHECK(mkfifo(f, 0600) == 0);
    struct stat st;
    CHECK(stat(f, &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0600 && st.st_size == 0);
    CHECK(mkfifo(f, 0600) == -1 && errno == EEXIST);
    CHECK(open(f, O_WRONLY | O_NONBLOCK) == -1 && errno == ENXIO);
    pid_t c = fork();
    if (c == 0) {
        int w = open(f, O_WRONLY);
        if (w < 0)
            _exit(1);
        for (int i = 0; i < 100; i++)
            if (write(w, "0123456789", 10) != 10)
                _exit(2);
        _exit(0);
    }
    int r = open(f, O_RDONLY);
    CHECK(r >= 0);
    char buf[256];
    size_t got = 0;
    ssize_t n;
    while ((n = read(r, buf, sizeof buf)) > 0)
        got += n;
    CHECK(n == 0 && got == 1000);
    int status;
    CHECK(waitpid(c, &status, 0) == c && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(r);
    int rw = open(f, O_RDWR);
    CHECK(rw >= 0 && write(rw, "x", 1) == 1 && read(rw, buf, 1) == 1 && buf[0] == 'x');
    CHECK(lseek(rw, 0, SEEK_SET) == -1 && errno == ESPIPE);
    close(rw);
    r = open(f, O_RDONLY | O_NONBLOCK);
    int w = open(f, O_WRONLY | O_NONBLOCK);
    CHECK(r >= 0 && w >= 0);
    close(r);
    signal(SIGPIPE, SIG_IGN);
    CHECK(write(w, "y", 1) == -1 && errno == EPIPE);
    signal(SIGPIPE, SIG_DFL);
    close(w);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    CHECK(sigaction(SIGALRM, &sa, 0) == 0);
    alarm(1);
    CHECK(open(f, O_RDONLY) == -1 && errno == EINTR);
    alarm(0);
    CHECK(unlink(f) == 0);
    const char *d = "/tmp/clib-null";
    unlink(d);
    CHECK(mknod(d, S_IFCHR | 0666, makedev(1, 3)) == 0);
    CHECK(stat(d, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
    int z = open(d, O_RDWR);
    CHECK(z >= 0 && write(z, "gone", 4) == 4 && read(z, buf, 4) == 0);
    close(z);
    CHECK(unlink(d) == 0);
    CHECK(mknod("/tmp/clib-dir", S_IFDIR | 0755, 0) == -1 && errno == EPERM);
    printf("fifos ok\n");
}

/* Calls musl 1.2.3 reaches through syscall() or newer flags: statx (of a
 * path, of a descriptor with AT_EMPTY_PATH, of a link itself),
 * faccessat's flags (faccessat2), and sched_getaffinity and the processor
 * count sysconf makes of it. */
static void newer(void)
{
    const char *f = "/tmp/clib-newer", *l = "/tmp/clib-newer-link";
    unlink(f);
    unlink(l);
    int fd = open(f, O_CREAT | O_WRONLY | O_TRUNC, 0640);
    CHECK(fd >= 0 && write(fd, "12345", 5) == 5);
    CHECK(symlink(f, l) == 0);
    struct stat st;
    CHECK(stat(f, &st) == 0);
    unsigned char sx[256];
    memset(sx, 0xee, sizeof sx);
    CHECK(syscall(SYS_statx, AT_FDCWD, f, 0, 0x7ff, sx) == 0);
    uint32_t mask, nlink;
    uint16_t mode;
    uint64_t ino, size;
    int64_t mtime;
    memcpy(&mask, sx, 4);
    memcpy(&nlink, sx + 16, 4);
    memcpy(&mode, sx + 28, 2);
    memcpy(&ino, sx + 32, 8);
    memcpy(&size, sx + 40, 8);
    memcpy(&mtime, sx + 112, 8);
    CHECK((mask & 0x7ff) == 0x7ff && nlink == 1 && mode == (S_IFREG | 0640) && ino == st.st_ino && size == 5 && mtime == st.st_mtime);
    CHECK(syscall(SYS_statx, fd, "", 0x1000, 0x7ff, sx) == 0);
    memcpy(&ino, sx + 32, 8);
    CHECK(ino == st.st_ino);
    CHECK(syscall(SYS_statx, AT_FDCWD, l, AT_SYMLINK_NOFOLLOW, 0x7ff, sx) == 0);
    memcpy(&mode, sx + 28, 2);
    CHECK(S_ISLNK(mode));
    CHECK(syscall(SYS_statx, AT_FDCWD, f, 0, 0x80000000u, sx) == -1 && errno == EINVAL);
    CHECK(syscall(SYS_statx, AT_FDCWD, "/tmp/none", 0, 0x7ff, sx) == -1 && errno == ENOENT);
    CHECK(syscall(SYS_statx, AT_FDCWD, f, 0, 0x7ff, (void *)8) == -1 && errno == EFAULT);
    CHECK(faccessat(AT_FDCWD, f, R_OK | W_OK, AT_EACCESS) == 0);
    CHECK(faccessat(AT_FDCWD, f, X_OK, AT_EACCESS) == -1 && errno == EACCES);
    CHECK(faccessat(AT_FDCWD, l, X_OK, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(faccessat(AT_FDCWD, "/tmp/none", F_OK, AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT);
    CHECK(faccessat(AT_FDCWD, f, F_OK, 0x8000) == -1 && errno == EINVAL);
    close(fd);
    CHECK(unlink(l) == 0 && unlink(f) == 0);
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK(sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set));
    CHECK(sched_getaffinity(getpid(), sizeof set, &set) == 0);
    CHECK(syscall(SYS_sched_getaffinity, 0, 4, &set) == -1 && errno == EINVAL);
    CHECK(sched_getaffinity(999999, sizeof set, &set) == -1 && errno == ESRCH);
    CHECK(sysconf(_SC_NPROCESSORS_ONLN) == 1);
    printf("newer ok\n");
}

/* madvise: MADV_DONTNEED and MADV_FREE give private anonymous pages back
 * (they read zero again) and make a private file mapping show the file
 * again; the other advice keeps the bytes; a hole is ENOMEM, an unaligned
 * address or unknown advice EINVAL. */
static void advice(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char *m = mmap(0, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    for (int i = 0; i < 8; i++)
        m[i * pg + 5] = 10 + i;
    CHECK(madvise(m + 2 * pg, 3 * pg, MADV_DONTNEED) == 0);
    for (int i = 0; i < 8; i++)
        CHECK(m[i * pg + 5] == (i >= 2 && i < 5 ? 0 : 10 + i));
    CHECK(madvise(m, pg, MADV_FREE) == 0 && m[5] == 0);
    CHECK(madvise(m, 8 * pg, MADV_WILLNEED) == 0 && madvise(m, 8 * pg, MADV_SEQUENTIAL) == 0 && m[7 * pg + 5] == 17);
    CHECK(madvise(m + 1, pg, MADV_DONTNEED) == -1 && errno == EINVAL);
    CHECK(madvise(m, pg, 14) == -1 && errno == EINVAL);
    CHECK(munmap(m + 6 * pg, pg) == 0);
    CHECK(madvise(m + 4 * pg, 4 * pg, MADV_DONTNEED) == -1 && errno == ENOMEM);
    CHECK(m[7 * pg + 5] == 0 && m[5 * pg + 5] == 0);
    CHECK(munmap(m, 8 * pg) == 0);
    const char *f = "/tmp/clib-advice";
    int fd = open(f, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, "file bytes", 10) == 10);
    char *p = mmap(0, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    memcpy(p, "mine", 4);
    CHECK(memcmp(p, "mine bytes", 10) == 0);
    CHECK(madvise(p, pg, MADV_DONTNEED) == 0);
    CHECK(memcmp(p, "file bytes", 10) == 0);
    CHECK(munmap(p, pg) == 0);
    close(fd);
    CHECK(unlink(f) == 0);
    printf("advice ok\n");
}

/* Owners, modes and times: chown through a link and of the link,
 * fchown, fchownat, fchmod; utimensat with times, UTIME_NOW and
 * UTIME_OMIT, futimens, utime and utimes. */
static void owners(void)
{
    const char *f = "/tmp/clib-owned", *l = "/tmp/clib-owned-link";
    time_t made = time(NULL);
    int fd = open(f, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(symlink(f, l) == 0);
    struct stat st, lst;
    /* A new file carries the time it was made (FS reads the clock page). */
    CHECK(fstat(fd, &st) == 0 && st.st_mtime >= made - 2 && st.st_mtime <= made + 5 && st.st_ctime >= made - 2);
    CHECK(chown(l, 1000, 100) == 0);
    CHECK(stat(f, &st) == 0 && st.st_uid == 1000 && st.st_gid == 100);
    CHECK(lstat(l, &lst) == 0 && lst.st_uid == 0 && lst.st_gid == 0);
    CHECK(lchown(l, 7, -1) == 0);
    CHECK(lstat(l, &lst) == 0 && lst.st_uid == 7 && lst.st_gid == 0);
    CHECK(stat(f, &st) == 0 && st.st_uid == 1000);
    CHECK(fchown(fd, -1, 55) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_uid == 1000 && st.st_gid == 55);
    CHECK(fchownat(AT_FDCWD, l, 0, 0, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(lstat(l, &lst) == 0 && lst.st_uid == 0);
    CHECK(fchownat(fd, "", 2, 3, AT_EMPTY_PATH) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_uid == 2 && st.st_gid == 3);
    CHECK(chown("/tmp/clib-no-such", 0, 0) == -1 && errno == ENOENT);
    CHECK(fchown(-5, 0, 0) == -1 && errno == EBADF);
    CHECK(fchownat(AT_FDCWD, f, 0, 0, 0x8000) == -1 && errno == EINVAL);
    CHECK(fchmod(fd, 04711) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 04711 && S_ISREG(st.st_mode));

    struct timespec ts[2] = {{1000000000, 0}, {1200000000, 500}};
    CHECK(utimensat(AT_FDCWD, l, ts, 0) == 0);
    CHECK(stat(f, &st) == 0 && st.st_atime == 1000000000 && st.st_mtime == 1200000000);
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_sec = 1300000000;
    CHECK(utimensat(AT_FDCWD, f, ts, 0) == 0);
    CHECK(stat(f, &st) == 0 && st.st_atime == 1000000000 && st.st_mtime == 1300000000);
    time_t now = time(NULL);
    ts[0].tv_nsec = UTIME_NOW;
    ts[1].tv_nsec = UTIME_OMIT;
    CHECK(futimens(fd, ts) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_atime >= now && st.st_atime <= now + 5 && st.st_mtime == 1300000000);
    CHECK(utimensat(AT_FDCWD, f, NULL, 0) == 0);
    CHECK(stat(f, &st) == 0 && st.st_mtime >= now && st.st_mtime <= now + 5);
    struct utimbuf ub = {111, 222};
    CHECK(utime(f, &ub) == 0 && stat(f, &st) == 0 && st.st_atime == 111 && st.st_mtime == 222);
    struct timeval tv[2] = {{333, 0}, {444, 999999}};
    CHECK(utimes(f, tv) == 0 && stat(f, &st) == 0 && st.st_atime == 333 && st.st_mtime == 444);
    ts[0].tv_sec = 5;
    ts[0].tv_nsec = 1000000000;
    CHECK(utimensat(AT_FDCWD, f, ts, 0) == -1 && errno == EINVAL);
    /* musl's utimensat reads the times itself: the raw call. */
    CHECK(syscall(SYS_utimensat, AT_FDCWD, f, 8L, 0) == -1 && errno == EFAULT);
    CHECK(utimensat(AT_FDCWD, "/tmp/clib-no-such", NULL, 0) == -1 && errno == ENOENT);
    /* The link's own times. */
    ts[0] = (struct timespec){5, 0};
    ts[1] = (struct timespec){6, 0};
    CHECK(utimensat(AT_FDCWD, l, ts, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(lstat(l, &lst) == 0 && lst.st_mtime == 6 && stat(f, &st) == 0 && st.st_mtime == 444);
    CHECK(close(fd) == 0 && unlink(l) == 0 && unlink(f) == 0);
    printf("owners ok\n");
}

static void spin(long ms)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do
        clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

/* CPU time through times and getrusage: the caller's after spinning,
 * and a waited-for child's in the children's figures. */
static void cpu(void)
{
    spin(100);
    struct tms t;
    clock_t now = times(&t);
    CHECK(now != (clock_t)-1 && t.tms_utime >= 5 && t.tms_utime < 1000);
    struct rusage ru;
    CHECK(getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 >= 50);
    pid_t c = fork();
    if (c == 0) {
        spin(100);
        _exit(0);
    }
    int status;
    CHECK(waitpid(c, &status, 0) == c);
    CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0 && ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 >= 50);
    CHECK(times(&t) != (clock_t)-1 && t.tms_cutime >= 5);
    CHECK(getrusage(7, &ru) == -1 && errno == EINVAL);
    printf("cpu ok\n");
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";
    if (strcmp(c, "context") == 0)
        context();
    else if (strcmp(c, "jumps") == 0)
        jumps();
    else if (strcmp(c, "getopt") == 0)
        options();
    else if (strcmp(c, "environment") == 0)
        environment();
    else if (strcmp(c, "env-child") == 0)
        return env_child();
    else if (strcmp(c, "errnos") == 0)
        errnos();
    else if (strcmp(c, "mappings") == 0)
        mappings();
    else if (strcmp(c, "random") == 0)
        randomness();
    else if (strcmp(c, "owners") == 0)
        owners();
    else if (strcmp(c, "cpu") == 0)
        cpu();
    else if (strcmp(c, "fifos") == 0)
        fifos();
    else if (strcmp(c, "newer") == 0)
        newer();
    else if (strcmp(c, "advice") == 0)
        advice();
    else {
        printf("clib: no case %s\n", c);
        return 2;
    }
    fflush(stdout);
    return failures ? 1 : 0;
}
