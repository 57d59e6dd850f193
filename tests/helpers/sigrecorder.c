/* Test helper: records every signal it receives, one number a line, in FILE.
 * Writes "pid N" first, once its handlers are in place, so tests know when to start.
 *   sigrecorder FILE [EXIT_AFTER_MS [CODE]]  (default: run until killed)
 * With --ignore-term it ignores SIGTERM instead of recording it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int out_fd = -1;

static void on_signal(int sig)
{
	char line[16];
	int n = snprintf(line, sizeof(line), "%d\n", sig);
	ssize_t w = write(out_fd, line, (size_t)n);
	(void)w;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	int ignore_term = 0, argi = 1;
	long exit_after = -1;
	int code = 0;
	char line[32];

	if (argc > 1 && strcmp(argv[1], "--ignore-term") == 0) {
		ignore_term = 1;
		argi++;
	}
	if (argi >= argc) {
		fprintf(stderr, "usage: sigrecorder [--ignore-term] FILE [EXIT_AFTER_MS [CODE]]\n");
		return 2;
	}
	out_fd = open(argv[argi], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out_fd < 0)
		return 2;
	if (argi + 1 < argc)
		exit_after = atol(argv[argi + 1]);
	if (argi + 2 < argc)
		code = atoi(argv[argi + 2]);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	if (ignore_term)
		signal(SIGTERM, SIG_IGN);
	int n = snprintf(line, sizeof(line), "pid %d\n", (int)getpid());
	if (write(out_fd, line, (size_t)n) != n)
		return 2;
	if (exit_after < 0)
		for (;;)
			pause();
	/* An absolute deadline: under a signal storm, relative re-sleeps would never end. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += exit_after / 1000;
	ts.tv_nsec += (exit_after % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	return code;
}
