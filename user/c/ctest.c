/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * /bin/ctest: a C program built against musl and our system-call layer,
 * which the libc.* guest tests run. `ctest CASE` runs one case; it prints
 * what the test compares on standard output, with a line for each check
 * that failed (the tests show what they got), and exits with 0 on
 * success. (Standard error goes nowhere yet: the console device comes
 * with the terminal driver.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "ctest"
#include "check.h"

static __thread int tls_counter = 41;
static __thread char tls_buf[64];

/* printf through stdio (writev underneath), with its formatting. */
static void hello(int argc, char **argv)
{
    printf("hello from C: argc=%d argv[1]=%s %5.2f %x\n", argc, argv[1], 3.14159, 48879);
}

/* Thread-local variables start with their initial values and errno (itself
 * thread-local in musl) carries Linux's numbers. */
static void tls_errno(void)
{
    CHECK(tls_counter == 41);
    tls_counter++;
    CHECK(tls_counter == 42);
    strcpy(tls_buf, "thread-local");
    CHECK(strcmp(tls_buf, "thread-local") == 0);
    errno = 0;
    CHECK(open("/no/such/file", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(close(-1) == -1 && errno == EBADF);
    CHECK(close(4000) == -1 && errno == EBADF);
    CHECK(rmdir("/tmp/ctest-not-there") == -1 && errno == ENOENT);
    CHECK(mkdir("/", 0755) == -1 && errno == EEXIST);
    /* A call the layer lacks: ENOSYS, never a crash. */
    CHECK(syscall(9999) == -1 && errno == ENOSYS);
    /* Sockets answer EAFNOSUPPORT, as musl's look-ups expect. */
    CHECK(syscall(SYS_socket, 1, 1, 0) == -1 && errno == EAFNOSUPPORT);
    printf("tls ok\n");
}

/* malloc of small and large blocks (brk, then mmap), realloc, free. */
static void memory(void)
{
    char *small[100];
    for (int i = 0; i < 100; i++) {
        small[i] = malloc(24 + i);
        CHECK(small[i] != NULL);
        memset(small[i], i, 24 + i);
    }
    for (int i = 0; i < 100; i++) {
        CHECK(small[i][23 + i] == (char)i);
        free(small[i]);
    }
    size_t big = 3 << 20;
    unsigned char *b = malloc(big);
    CHECK(b != NULL);
    for (size_t i = 0; i < big; i += 4096)
        b[i] = (unsigned char)(i >> 12);
    b = realloc(b, big * 2);
    CHECK(b != NULL);
    for (size_t i = 0; i < big; i += 4096)
        CHECK(b[i] == (unsigned char)(i >> 12));
    free(b);
    void *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    CHECK(((char *)m)[4096] == 0);
    CHECK(munmap(m, 8192) == 0);
    printf("memory ok\n");
}

/* Files through stdio and the plain calls: create, write, read back,
 * stat, seek, rename, unlink. */
static void files(void)
{
    const char *p = "/tmp/ctest-file";
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    for (int i = 0; i < 1000; i++)
        fprintf(f, "line %d\n", i);
    CHECK(fclose(f) == 0);
    struct stat st;
    CHECK(stat(p, &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK(st.st_size == 8890); /* 10 lines of 7 bytes, 90 of 8, 900 of 9 */
    f = fopen(p, "r");
    CHECK(f != NULL);
    char line[64];
    int n = 0, last = -1;
    while (fgets(line, sizeof line, f)) {
        CHECK(sscanf(line, "line %d", &last) == 1 && last == n);
        n++;
    }
    CHECK(n == 1000);
    fclose(f);
    int fd = open(p, O_RDWR);
    CHECK(fd >= 0);
    CHECK(lseek(fd, -4, SEEK_END) == 8886);
    char tail[8] = {0};
    CHECK(read(fd, tail, 8) == 4 && memcmp(tail, "999\n", 4) == 0);
    CHECK(pwrite(fd, "LINE", 4, 0) == 4);
    CHECK(pread(fd, tail, 4, 0) == 4 && memcmp(tail, "LINE", 4) == 0);
    struct stat fst;
    CHECK(fstat(fd, &fst) == 0 && fst.st_ino == st.st_ino);
    CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
    CHECK(close(fd) == 0);
    CHECK(rename(p, "/tmp/ctest-renamed") == 0);
    CHECK(access("/tmp/ctest-renamed", R_OK | W_OK) == 0);
    CHECK(access(p, F_OK) == -1 && errno == ENOENT);
    CHECK(unlink("/tmp/ctest-renamed") == 0);
    char cwd[256];
    CHECK(chdir("/tmp") == 0);
    CHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, "/tmp") == 0);
    CHECK(getcwd(cwd, 3) == NULL && errno == ERANGE);
    CHECK(chdir("/") == 0);
    printf("files ok\n");
}

/* A directory listed with readdir (getdents64 underneath). */
static void dirs(void)
{
    CHECK(mkdir("/tmp/ctest-dir", 0755) == 0);
    char name[64];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "/tmp/ctest-dir/entry-%02d-with-a-longer-name", i);
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        CHECK(fd >= 0);
        close(fd);
    }
    DIR *d = opendir("/tmp/ctest-dir");
    CHECK(d != NULL);
    int seen = 0, dots = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            dots++;
        else if (strncmp(e->d_name, "entry-", 6) == 0)
            seen++;
    }
    closedir(d);
    CHECK(seen == 40 && dots == 2);
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "/tmp/ctest-dir/entry-%02d-with-a-longer-name", i);
        CHECK(unlink(name) == 0);
    }
    CHECK(rmdir("/tmp/ctest-dir") == 0);
    printf("dirs ok: %d entries\n", seen);
}

/* fork, exit codes through waitpid, a pipe between parent and child. */
static void processes(void)
{
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t me = getpid();
    pid_t c = fork();
    if (c == 0) {
        /* The child has the parent's thread pointer (fork copies the FS
         * base), so its thread-local variables are its copies. */
        if (tls_counter != 41 || (errno = 0, errno != 0))
            _exit(9);
        close(p[0]);
        char msg[32];
        int len = snprintf(msg, sizeof msg, "child of %d", (int)getppid());
        write(p[1], msg, len);
        _exit(7);
    }
    CHECK(c > 0);
    close(p[1]);
    char buf[32] = {0};
    CHECK(read(p[0], buf, sizeof buf - 1) > 0);
    char want[32];
    snprintf(want, sizeof want, "child of %d", (int)me);
    CHECK(strcmp(buf, want) == 0);
    int status;
    CHECK(waitpid(c, &status, 0) == c);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD);
    /* A child killed by a signal. */
    c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    CHECK(kill(c, SIGTERM) == 0);
    CHECK(waitpid(c, &status, 0) == c);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    printf("processes ok\n");
}

static volatile sig_atomic_t got, got_pid, got_code, got_status;

static void on_signal(int s)
{
    got = s;
}

static void on_info(int s, siginfo_t *si, void *uc)
{
    (void)uc;
    got = s;
    got_pid = si->si_pid;
    got_code = si->si_code;
    got_status = si->si_status;
}

/* Handlers installed through musl's sigaction: raise and kill of itself,
 * SA_SIGINFO, a blocked signal pending until unblocked, alarm ending
 * pause with EINTR, SIGCHLD's info, and a pipe read interrupted with
 * EINTR or restarted with SA_RESTART. Each step says it passed, so a
 * hang shows where. */
#define STEP(name) printf("%s\n", name), fflush(stdout)
static void signals(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    CHECK(raise(SIGUSR1) == 0 && got == SIGUSR1);
    CHECK(sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == on_signal);
    STEP("raise");
    got = 0;
    sa.sa_sigaction = on_info;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    CHECK(kill(getpid(), SIGUSR2) == 0);
    CHECK(got == SIGUSR2 && got_pid == getpid() && got_code == SI_USER);
    STEP("siginfo");
    sigset_t set, before, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    got = 0;
    CHECK(sigprocmask(SIG_BLOCK, &set, &before) == 0);
    raise(SIGUSR1);
    CHECK(got == 0);
    CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1));
    CHECK(sigprocmask(SIG_SETMASK, &before, NULL) == 0 && got == SIGUSR1);
    STEP("mask");
    got = 0;
    CHECK(signal(SIGALRM, on_signal) != SIG_ERR);
    alarm(1);
    CHECK(pause() == -1 && errno == EINTR && got == SIGALRM);
    STEP("alarm");
    got = 0;
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
    pid_t c = fork();
    if (c == 0)
        _exit(5);
    int status;
    CHECK(waitpid(c, &status, 0) == c || errno == EINTR);
    if (got == 0)
        pause();
    CHECK(got == SIGCHLD && got_pid == c && got_code == CLD_EXITED && got_status == 5);
    waitpid(c, &status, WNOHANG);
    STEP("sigchld");
    /* A read on an empty pipe, then a child's signal: EINTR. */
    signal(SIGCHLD, SIG_DFL);
    int p[2];
    CHECK(pipe(p) == 0);
    got = 0;
    c = fork();
    if (c == 0) {
        struct timespec d = {0, 50 * 1000 * 1000};
        nanosleep(&d, NULL);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    char b;
    CHECK(read(p[0], &b, 1) == -1 && errno == EINTR && got == SIGUSR1);
    waitpid(c, &status, 0);
    STEP("eintr");
    /* The same with SA_RESTART: the read goes on and gets the byte. */
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    got = 0;
    c = fork();
    if (c == 0) {
        struct timespec d = {0, 50 * 1000 * 1000};
        nanosleep(&d, NULL);
        kill(getppid(), SIGUSR1);
        nanosleep(&d, NULL);
        write(p[1], "x", 1);
        _exit(0);
    }
    CHECK(read(p[0], &b, 1) == 1 && b == 'x' && got == SIGUSR1);
    waitpid(c, &status, 0);
    STEP("restart");
}

/* The memory devices: /dev/null swallows and ends at once, /dev/zero
 * reads zeros, /dev/full refuses writes with ENOSPC. */
static void devices(void)
{
    struct stat st;
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
    int fd = open("/dev/null", O_RDWR);
    CHECK(fd >= 0);
    CHECK(write(fd, "gone", 4) == 4);
    char buf[8192];
    CHECK(read(fd, buf, sizeof buf) == 0);
    CHECK(lseek(fd, 123, SEEK_SET) == 0);
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    memset(buf, 'x', sizeof buf);
    CHECK(read(fd, buf, sizeof buf) == sizeof buf);
    int all_zero = 1;
    for (size_t i = 0; i < sizeof buf; i++)
        all_zero &= buf[i] == 0;
    CHECK(all_zero);
    close(fd);
    FILE *f = fopen("/dev/full", "w");
    CHECK(f != NULL);
    fputs("nowhere", f);
    CHECK(fflush(f) == EOF && errno == ENOSPC);
    fclose(f);
    printf("devices ok\n");
}

/* uname, the resource limits, and waiting on a pipe with poll and
 * select. */
static void system_calls(void)
{
    struct utsname u;
    CHECK(uname(&u) == 0 && strcmp(u.sysname, "MINIX") == 0 && strcmp(u.machine, "x86_64") == 0);
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 64 && rl.rlim_max == 64);
    CHECK(getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur == 8 << 20);
    CHECK(getrlimit(RLIMIT_CPU, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY);
    CHECK(setrlimit(RLIMIT_NOFILE, &(struct rlimit){64, 64}) == 0);
    CHECK(setrlimit(RLIMIT_NOFILE, &(struct rlimit){1000, 1000}) == -1 && errno == EPERM);
    int p[2];
    CHECK(pipe(p) == 0);
    struct pollfd f[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    CHECK(poll(f, 1, 0) == 0 && f[0].revents == 0);
    CHECK(poll(f, 2, 0) == 1 && f[1].revents == POLLOUT);
    CHECK(poll(f, 1, 30) == 0);
    CHECK(write(p[1], "y", 1) == 1);
    CHECK(poll(f, 1, -1) == 1 && f[0].revents == POLLIN);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    struct timeval tv = {0, 0};
    CHECK(select(p[1] + 1, &r, &w, NULL, &tv) == 2 && FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
    char b;
    CHECK(read(p[0], &b, 1) == 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_usec = 20000;
    CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 0 && !FD_ISSET(p[0], &r));
    close(p[1]);
    f[0].revents = 0;
    CHECK(poll(f, 1, -1) == 1 && (f[0].revents & POLLHUP));
    close(p[0]);
    printf("system ok\n");
}

/* execve of another program with arguments and environment. */
static void exec_probe(void)
{
    char *argv[] = {"probe", "report", "from-c", NULL};
    char *envp[] = {"WHO=ctest", NULL};
    execve("/bin/probe", argv, envp);
    printf("ctest: execve: errno %d\n", errno);
    exit(1);
}

/* The clocks and a short sleep. */
static void clocks(void)
{
    struct timespec a, b;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    struct timespec d = {0, 20 * 1000 * 1000};
    CHECK(nanosleep(&d, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    CHECK(ms >= 20 && ms < 2000);
    time_t t = time(NULL);
    CHECK(t > 1000000000);
    printf("clocks ok\n");
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "hello";
    if (strcmp(c, "hello") == 0)
        hello(argc, argv);
    else if (strcmp(c, "tls") == 0)
        tls_errno();
    else if (strcmp(c, "memory") == 0)
        memory();
    else if (strcmp(c, "files") == 0)
        files();
    else if (strcmp(c, "dirs") == 0)
        dirs();
    else if (strcmp(c, "processes") == 0)
        processes();
    else if (strcmp(c, "exec") == 0)
        exec_probe();
    else if (strcmp(c, "clocks") == 0)
        clocks();
    else if (strcmp(c, "signals") == 0)
        signals();
    else if (strcmp(c, "system") == 0)
        system_calls();
    else if (strcmp(c, "devices") == 0)
        devices();
    else if (strcmp(c, "exit") == 0)
        return argc > 2 ? atoi(argv[2]) : 0;
    else {
        printf("ctest: no case %s\n", c);
        return 2;
    }
    fflush(stdout);
    return failures ? 1 : 0;
}
