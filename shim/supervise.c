/* The supervisor loop. All signals are blocked and read from a signalfd with no timeout
 * unless a stop step or a --refresh check is due, so an idle PID 1 never wakes (with
 * --refresh: once per interval). Before the fork it may fail loudly; after the fork it only
 * warns, because the child must never be orphaned. It also owns job control at a terminal
 * (the foreground, stopping with the child on Ctrl-Z) and the refresh of DESIGN.md 3.5: a
 * periodic check child, and a restart through a staged child that resolved before the
 * running one is stopped. PID 1 only ever sees digests (include/refresh.h). */
#include "supervise.h"

#include "clock.h"
#include "exec.h"
#include "refresh.h"
#include "signame.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A child that resolved with --digest-fd and waits for the go-ahead before its exec. */
struct stage {
	pid_t pid; /* 0: none */
	int fd;    /* the socket: its digests come in, the go-ahead goes out; -1 once closed */
	struct refresh_set set;
};

struct sup {
	const struct shim_opts *o;
	pid_t child;          /* also its process group id */
	int child_status;     /* wait status once reaped, -1 before */
	long long forward_at; /* --stop-delay: forward the pending SIGTERM at this time */
	long long kill_at;    /* --grace: SIGKILL the group at this time */
	int sfd;
	int job_stopped; /* the terminal stopped the child's group; SIGCONT resumes it */
	/* What a fork needs: the resolver or the command, how to exec it, the original signal
	 * state. */
	const char *file;
	int exec_how;
	const sigset_t *mask;
	const struct sigaction *ttin, *ttou;
	/* --refresh; unused without it. */
	int refresh_on;
	char **argv_go, **argv_check; /* argv with --digest-fd=N or --digest at [1] */
	char fdarg[32];
	char *cwd; /* the start directory, where later children run (PID 1 itself is in /) */
	struct refresh_set running; /* digests of the running application's environment */
	struct stage stage;
	pid_t checker; /* the --digest child, 0: none */
	int check_fd;
	struct refresh_set check;
	long long check_t0, refresh_at; /* refresh_at: the next check, 0: none scheduled */
	int restarting;                 /* the main child was stopped for the staged one */
	int stopping;                   /* a stop signal came in: no more checks or restarts */
};

int supervise_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return SHIM_EX_INTERNAL;
}

static const char *sig_name(int sig)
{
	static char bufs[2][16]; /* two names may go into one message */
	static int next;
	char *buf = bufs[next ^= 1];
	const char *abbrev = signame_abbrev(sig);

	if (abbrev) {
		snprintf(buf, sizeof(bufs[0]), "SIG%s", abbrev);
		return buf;
	}
	snprintf(buf, sizeof(bufs[0]), "signal %d", sig);
	return buf;
}

/* Whether the shim's own process group holds the terminal's foreground. Only then may the
 * child have it: SIGTTOU is ignored here, so tcsetpgrp would also succeed from the
 * background and take the terminal from the shell that started the shim with &. */
static int tty_is_ours(void)
{
	return tcgetpgrp(STDIN_FILENO) == getpgrp();
}

static void tty_give(pid_t pgrp)
{
	if (tcsetpgrp(STDIN_FILENO, pgrp) < 0)
		log_debug("tcsetpgrp: %s", strerror(errno));
}

/* Runs in the child between fork and exec: own process group, the terminal's foreground
 * when the shim had it, the original signal state, then exec. */
static void child_exec(const char *file, char *const argv[], int how, const sigset_t *mask,
                       const struct sigaction *ttin, const struct sigaction *ttou, int take_tty)
{
	int status;

	setpgid(0, 0);
	if (take_tty)
		tty_give(getpgrp());
	sigaction(SIGTTIN, ttin, NULL);
	sigaction(SIGTTOU, ttou, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	shim_exec(file, argv, environ, how);
	status = shim_exec_status(errno);
	log_error("cannot run \"%s\": %s", file, strerror(errno));
	_exit(status);
}

static int is_stop_signal(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
}

/* The "signal" event: sent is what the child got, for the received one (or a refresh). */
static void log_signal(struct sup *s, int level, int sent, const char *received, const char *why)
{
	const char *target = s->o->group ? "process group" : "child";
	const char *sent_name = sig_name(sent);

	log_event(level, "signal",
	          LOG_FIELDS(LOG_STR("signal", sent_name), LOG_STR("received", received),
	                     LOG_STR("target", s->o->group ? "group" : "child"),
	                     LOG_INT("child", s->child)),
	          "forwarded %s to %s %d%s%s%s", sent_name, target, (int)s->child,
	          received ? " for " : "", received ? received : "", why);
}

/* Arm --grace after a stop signal went to the child. */
static void arm_grace(struct sup *s)
{
	if (s->o->grace_ms <= 0 || s->kill_at)
		return;
	s->kill_at = clock_ms() + s->o->grace_ms;
	log_event(LOG_INFO, "stop",
	          LOG_FIELDS(LOG_STR("step", "grace"), LOG_INT("ms", s->o->grace_ms),
	                     LOG_INT("child", s->child)),
	          "will SIGKILL process group %d if it still runs in %ld ms (--grace)",
	          (int)s->child, s->o->grace_ms);
}

/* Signal the child (or with --group its process group) with sig after --rewrite, and arm
 * --grace for stop signals. */
static void forward(struct sup *s, int sig)
{
	pid_t target = s->o->group ? -s->child : s->child;
	int loud = is_stop_signal(sig), out = opts_rewrite(s->o, sig);

	if (!out) {
		log_debug("received %s: not forwarded (--rewrite)", sig_name(sig));
		return;
	}
	if (kill(target, out) < 0 && errno != ESRCH)
		log_warn("cannot forward %s to %s %d: %s", sig_name(out),
		         s->o->group ? "process group" : "child", (int)s->child, strerror(errno));
	else if (out != sig)
		log_signal(s, loud ? LOG_INFO : LOG_DEBUG, out, sig_name(sig), " (--rewrite)");
	else
		log_signal(s, loud ? LOG_INFO : LOG_DEBUG, out, NULL, "");
	if (loud)
		arm_grace(s);
}

/* ---- --refresh (DESIGN.md 3.5) ------------------------------------------------------- */

static unsigned random_u32(void)
{
	unsigned r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	return (unsigned)(clock_ms() * 2654435761u) ^ (unsigned)getpid(); /* jitter, not keys */
}

/* The next check, an interval (+- 10%) from now: timers only while a refresh is on. */
static void schedule_check(struct sup *s)
{
	if (!s->refresh_on || s->stopping)
		return;
	long delay = refresh_jitter(s->o->refresh_ms, random_u32());
	s->refresh_at = clock_ms() + delay;
	log_debug("next refresh check in %ld ms", delay);
}

/* argv with one option inserted after argv[0]: the resolver's own arguments follow. */
static char **argv_with(char *const argv[], char *opt)
{
	size_t n = 0;
	char **v;

	while (argv[n])
		n++;
	if (!(v = calloc(n + 2, sizeof(*v))))
		return NULL;
	v[0] = argv[0];
	v[1] = opt;
	memcpy(v + 2, argv + 1, n * sizeof(*v)); /* argv[n], the NULL, included */
	return v;
}

/* In a child forked after PID 1 left for /: back to the start directory, where relative
 * paths in the options and the command mean what they meant at start. */
static void go_home(const struct sup *s)
{
	if (s->cwd && chdir(s->cwd) < 0)
		log_warn("cannot go back to %s: %s", s->cwd, strerror(errno));
}

static void send_go(int fd)
{
	char go = REFRESH_GO;

	if (send(fd, &go, 1, MSG_NOSIGNAL) != 1)
		log_debug("cannot send the go-ahead: %s", strerror(errno));
}

/* Fork a child that resolves and execs the command once it has the go-ahead. */
static pid_t stage_start(struct sup *s, int take_tty)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	snprintf(s->fdarg, sizeof(s->fdarg), "--digest-fd=%d", sv[1]);
	pid = fork();
	if (pid == 0) {
		fcntl(sv[1], F_SETFD, 0); /* the resolver's, until its exec */
		go_home(s);
		child_exec(s->file, s->argv_go, s->exec_how, s->mask, s->ttin, s->ttou, take_tty);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	setpgid(pid, pid);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	s->stage = (struct stage){.pid = pid, .fd = sv[0]};
	return pid;
}

/* Close the stage's socket: with go, the child execs the command; without, it exits. */
static void stage_close(struct sup *s, int go)
{
	if (s->stage.fd >= 0) {
		if (go)
			send_go(s->stage.fd);
		close(s->stage.fd);
	}
	s->stage.fd = -1;
}

static void stage_clear(struct sup *s)
{
	stage_close(s, 0);
	refresh_set_free(&s->stage.set);
	s->stage.pid = 0;
}

/* The staged child takes the place of the main one, which the restart stopped. */
static void stage_promote(struct sup *s)
{
	pid_t old = s->child;

	if (kill(-old, SIGTERM) == 0)
		log_debug("sent SIGTERM to what is left of process group %d", (int)old);
	if (tcgetpgrp(STDIN_FILENO) == old)
		tty_give(s->stage.pid);
	s->child = s->stage.pid;
	s->child_status = -1;
	s->kill_at = s->forward_at = 0;
	s->restarting = 0;
	refresh_set_free(&s->running);
	s->running = s->stage.set;
	s->stage.set = (struct refresh_set){0};
	log_info("restarted: child %d runs with the new values", (int)s->child);
	stage_close(s, 1);
	s->stage.pid = 0;
	schedule_check(s);
}

/* Stop the main child so the staged one can follow: the stop signal, then --grace. */
static void restart(struct sup *s, const char **names, long n)
{
	int sig = opts_rewrite(s->o, SIGTERM) ? opts_rewrite(s->o, SIGTERM) : SIGTERM;
	const char *sname = sig_name(sig);
	char list[400];

	refresh_names_join(list, sizeof(list), names, (size_t)n);
	log_event(LOG_INFO, "restart",
	          LOG_FIELDS(LOG_STRS("variables", names, (size_t)n), LOG_STR("signal", sname),
	                     LOG_INT("child", s->child), LOG_INT("grace_ms", s->o->grace_ms)),
	          "restarting the application: %ld variable%s changed (%s); sending %s to %s %d", n,
	          n == 1 ? "" : "s", list, sname, s->o->group ? "process group" : "child",
	          (int)s->child);
	s->restarting = 1;
	if (kill(s->o->group ? -s->child : s->child, sig) < 0 && errno != ESRCH)
		log_warn("cannot send %s to child %d: %s", sname, (int)s->child, strerror(errno));
	arm_grace(s);
}

/* The staged child's digests are in: at start they are the application's; for a restart,
 * compared once more with the running ones (the values may have changed back). */
static void stage_ready(struct sup *s)
{
	const char **names = NULL;
	long n;

	if (s->stage.pid == s->child) { /* the first start: go at once */
		s->running = s->stage.set;
		s->stage.set = (struct refresh_set){0};
		stage_close(s, 1);
		s->stage.pid = 0;
		schedule_check(s);
		return;
	}
	n = refresh_set_diff(&names, &s->running, &s->stage.set);
	if (n > 0 && !s->stopping) {
		restart(s, names, n);
	} else {
		log_event(LOG_INFO, "refresh", LOG_FIELDS(LOG_INT("changed", 0)),
		          "refresh: the values are back as the application has them: no restart");
		stage_close(s, 0);
		schedule_check(s);
	}
	free(names);
}

static void on_stage_readable(struct sup *s)
{
	int r = refresh_set_read(&s->stage.set, s->stage.fd);

	if (r > 0) {
		stage_ready(s);
	} else if (r < 0) {
		/* The child died (its status comes with the reaping), or its set is unusable:
		 * the first start goes on without refresh, a restart is called off. */
		if (s->stage.pid == s->child) {
			log_debug("no digests from the start: --refresh stays off");
			s->refresh_on = 0;
		}
		stage_close(s, s->stage.pid == s->child);
	}
}

/* The staged child exited before its go-ahead: a failed resolution, or a called-off start. */
static void on_stage_exit(struct sup *s, int wstatus)
{
	int status = supervise_exit_status(wstatus);

	if (!s->stopping && (s->stage.fd >= 0 || status))
		log_event(LOG_WARN, "refresh", LOG_FIELDS(LOG_INT("status", status)),
		          "refresh: the new environment did not resolve (status %d); the "
		          "application keeps running",
		          status);
	stage_clear(s);
	s->restarting = 0;
	schedule_check(s);
}

/* Time for a check: a child that runs the resolver with --digest, its stdout a pipe. */
static void check_start(struct sup *s)
{
	int p[2];
	pid_t pid;

	s->refresh_at = 0;
	if (pipe2(p, O_CLOEXEC) < 0) {
		log_warn("refresh: pipe: %s", strerror(errno));
		schedule_check(s);
		return;
	}
	pid = fork();
	if (pid == 0) {
		int status;
		setpgid(0, 0); /* not in the application's group, away from the terminal */
		go_home(s);
		dup2(p[1], STDOUT_FILENO);
		sigprocmask(SIG_SETMASK, s->mask, NULL);
		shim_exec(s->file, s->argv_check, environ, s->exec_how);
		status = shim_exec_status(errno);
		log_error("cannot run \"%s\": %s", s->file, strerror(errno));
		_exit(status);
	}
	close(p[1]);
	if (pid < 0) {
		log_warn("refresh: fork: %s", strerror(errno));
		close(p[0]);
		schedule_check(s);
		return;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	s->checker = pid;
	s->check_fd = p[0];
	s->check_t0 = clock_ms();
}

static void on_check_readable(struct sup *s)
{
	if (refresh_set_read(&s->check, s->check_fd) != 0) {
		close(s->check_fd);
		s->check_fd = -1;
	}
}

/* --refresh-signal: the application reloads by itself; its digests are now the new ones. */
static void refresh_signal(struct sup *s, const char **names, long n)
{
	const char *sname = sig_name(s->o->refresh_signal);
	char list[400];

	refresh_names_join(list, sizeof(list), names, (size_t)n);
	if (kill(s->o->group ? -s->child : s->child, s->o->refresh_signal) < 0 && errno != ESRCH)
		log_warn("cannot send %s to child %d: %s", sname, (int)s->child, strerror(errno));
	else
		log_event(LOG_INFO, "signal",
		          LOG_FIELDS(LOG_STR("signal", sname), LOG_STR("reason", "refresh"),
		                     LOG_STRS("variables", names, (size_t)n),
		                     LOG_STR("target", s->o->group ? "group" : "child"),
		                     LOG_INT("child", s->child)),
		          "%ld variable%s changed (%s): sent %s to %s %d (--refresh-signal)", n,
		          n == 1 ? "" : "s", list, sname, s->o->group ? "process group" : "child",
		          (int)s->child);
}

/* The check is done: compare, then nothing, a signal, or a restart through a staged child. */
static void on_check_exit(struct sup *s, int wstatus)
{
	int status = supervise_exit_status(wstatus);
	long long ms = clock_ms() - s->check_t0;
	const char **names = NULL;
	long n = 0;

	if (s->stopping) { /* killed by refresh_stop */
		if (s->check_fd >= 0)
			close(s->check_fd);
		s->checker = 0;
		s->check_fd = -1;
		refresh_set_free(&s->check);
		return;
	}
	if (s->check_fd >= 0) /* what the pipe still holds */
		on_check_readable(s);
	if (s->check_fd >= 0)
		close(s->check_fd);
	s->checker = 0;
	s->check_fd = -1;
	if (status || !s->check.complete)
		log_event(LOG_WARN, "refresh",
		          LOG_FIELDS(LOG_INT("status", status ? status : SHIM_EX_INTERNAL),
		                     LOG_INT("ms", ms)),
		          "refresh failed (status %d): the application keeps running; next try "
		          "in about %ld ms",
		          status ? status : SHIM_EX_INTERNAL, s->o->refresh_ms);
	else if ((n = refresh_set_diff(&names, &s->running, &s->check)) <= 0)
		log_event(LOG_DEBUG, "refresh",
		          LOG_FIELDS(LOG_INT("changed", 0), LOG_INT("ms", ms)),
		          "refresh: no change (%lld ms)", ms);
	else
		log_event(LOG_INFO, "refresh",
		          LOG_FIELDS(LOG_INT("changed", n), LOG_STRS("variables", names, (size_t)n),
		                     LOG_INT("ms", ms)),
		          "refresh: %ld variable%s changed", n, n == 1 ? "" : "s");
	if (n > 0 && s->o->refresh_signal) {
		refresh_signal(s, names, n);
		refresh_set_free(&s->running);
		s->running = s->check;
		s->check = (struct refresh_set){0};
	} else if (n > 0 && stage_start(s, 0) < 0) {
		log_warn("refresh: cannot start the new application: %s", strerror(errno));
	}
	free(names);
	refresh_set_free(&s->check);
	if (!s->stage.pid)
		schedule_check(s);
}

/* A stop signal came in: the refresh ends, a staged restart is called off. */
static void refresh_stop(struct sup *s)
{
	s->stopping = 1;
	s->refresh_at = 0;
	if (s->checker)
		kill(s->checker, SIGKILL);
	if (s->stage.pid && s->stage.pid != s->child)
		kill(s->stage.pid, SIGKILL);
}

/* SIGCONT (a shell's fg or bg): the foreground goes to the child when the shell gave it to
 * the shim's group (fg). After a terminal stop the whole group continues, --group or not,
 * since the terminal stopped the whole group; returns 1 then, 0 to forward as usual. */
static int continue_job(struct sup *s)
{
	if (tty_is_ours())
		tty_give(s->child);
	if (!s->job_stopped)
		return 0;
	s->job_stopped = 0;
	if (kill(-s->child, SIGCONT) < 0 && errno != ESRCH)
		log_warn("cannot continue process group %d: %s", (int)s->child, strerror(errno));
	else
		log_debug("continued process group %d", (int)s->child);
	return 1;
}

static void on_signal(struct sup *s, int sig)
{
	if (sig == SIGCHLD)
		return; /* reaping happens after every wake-up */
	if (s->child_status != -1) {
		/* Main child gone: what is left of its group gets the signal. */
		if (opts_rewrite(s->o, sig))
			kill(-s->child, opts_rewrite(s->o, sig));
		return;
	}
	if (sig == SIGCONT && continue_job(s))
		return;
	if (is_stop_signal(sig) && s->refresh_on && !s->stopping)
		refresh_stop(s);
	if (sig == SIGTERM && s->o->stop_delay_ms > 0) {
		if (!s->forward_at) {
			s->forward_at = clock_ms() + s->o->stop_delay_ms;
			log_event(LOG_INFO, "stop",
			          LOG_FIELDS(LOG_STR("step", "delay"),
			                     LOG_INT("ms", s->o->stop_delay_ms)),
			          "received SIGTERM: forwarding it in %ld ms (--stop-delay)",
			          s->o->stop_delay_ms);
			return;
		}
		log_info("received SIGTERM again: forwarding it now");
		s->forward_at = 0;
	}
	forward(s, sig);
}

/* Stop the shim with the child's stop signal, as the job's own process would stop, so the
 * shell sees its job stopped. Returns 1 once continued (SIGCONT is then pending on the
 * signalfd), 0 when the kernel did not stop it: stop signals sent to PID 1 from inside its
 * PID namespace are ignored, and an orphaned process group does not stop at a terminal. */
static int stop_self(int sig)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
	sigset_t one, pending;

	if (getpid() == 1)
		return 0;
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigaction(sig, &dfl, &old); /* SIGTTIN and SIGTTOU are ignored otherwise */
	kill(getpid(), sig);        /* generating a stop signal discards a pending SIGCONT */
	sigprocmask(SIG_UNBLOCK, &one, NULL); /* the shim stops here */
	sigprocmask(SIG_BLOCK, &one, NULL);
	sigaction(sig, &old, NULL);
	return sigpending(&pending) == 0 && sigismember(&pending, SIGCONT);
}

/* The child stopped. A terminal stop (Ctrl-Z, or the background touching the terminal)
 * stops the shim too; where the shim cannot stop, Ctrl-Z does nothing, as for any PID 1:
 * the child goes on at once. Any other stop (SIGSTOP) is the sender's business. */
static void on_child_stopped(struct sup *s, int sig)
{
	log_debug("child %d stopped by %s", (int)s->child, sig_name(sig));
	if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
		return;
	s->job_stopped = 1;
	if (stop_self(sig))
		return;
	if (sig == SIGTSTP) {
		log_info("child %d stopped by SIGTSTP, but the shim cannot stop (PID 1, or an "
		         "orphaned process group): continuing it",
		         (int)s->child);
		continue_job(s);
	} else {
		log_warn("child %d stopped by %s in the terminal's background: SIGCONT resumes it",
		         (int)s->child, sig_name(sig));
	}
}

/* The main child: stopped, continued or gone. */
static void watch_child(struct sup *s)
{
	int wstatus;
	pid_t pid;

	while (s->child_status == -1 &&
	       (pid = waitpid(s->child, &wstatus, WNOHANG | WUNTRACED | WCONTINUED)) > 0) {
		if (WIFSTOPPED(wstatus)) {
			on_child_stopped(s, WSTOPSIG(wstatus));
		} else if (WIFCONTINUED(wstatus)) {
			log_debug("child %d continued", (int)pid);
		} else {
			s->child_status = wstatus;
			log_debug("child %d exited with status %d", (int)pid,
			          supervise_exit_status(wstatus));
		}
	}
}

/* Reap every zombie the kernel hands us; remember the main child's status. */
static void reap(struct sup *s)
{
	int wstatus;
	pid_t pid;

	watch_child(s);
	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
		if (s->checker && pid == s->checker)
			on_check_exit(s, wstatus);
		else if (s->stage.pid && pid == s->stage.pid && pid != s->child)
			on_stage_exit(s, wstatus);
		if (pid != s->child || s->child_status != -1)
			continue;
		s->child_status = wstatus;
		log_debug("child %d exited with status %d", (int)pid,
		          supervise_exit_status(wstatus));
	}
}

static void drain_signals(struct sup *s)
{
	struct signalfd_siginfo si[16];
	ssize_t n;

	while ((n = read(s->sfd, si, sizeof(si))) > 0)
		for (size_t i = 0; i < (size_t)n / sizeof(si[0]); i++)
			on_signal(s, (int)si[i].ssi_signo);
}

static int wait_events(struct sup *s, long long deadline)
{
	struct pollfd pfd[3] = {{.fd = s->sfd, .events = POLLIN}};
	long long left = deadline ? deadline - clock_ms() : -1;
	nfds_t n = 1;
	int stage_at = -1, check_at = -1;

	if (s->stage.fd >= 0) {
		stage_at = (int)n;
		pfd[n++] = (struct pollfd){.fd = s->stage.fd, .events = POLLIN};
	}
	if (s->check_fd >= 0) {
		check_at = (int)n;
		pfd[n++] = (struct pollfd){.fd = s->check_fd, .events = POLLIN};
	}
	if (deadline && left < 0)
		left = 0;
	if (poll(pfd, n, (int)(left > 86400000 ? 86400000 : left)) < 0 && errno != EINTR)
		return -1;
	drain_signals(s);
	if (stage_at > 0 && pfd[stage_at].revents && s->stage.fd == pfd[stage_at].fd)
		on_stage_readable(s);
	if (check_at > 0 && pfd[check_at].revents && s->check_fd == pfd[check_at].fd)
		on_check_readable(s);
	reap(s);
	return 0;
}

static long long earliest(long long a, long long b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/* Whether the main child is gone for good: not when a restart stopped it and the staged
 * child, resolved and waiting, takes its place. */
static int main_child_gone(struct sup *s)
{
	if (s->child_status == -1)
		return 0;
	if (s->stage.pid == s->child)
		stage_clear(s); /* died before the go-ahead: its status is the answer */
	if (!s->restarting || s->stopping || !s->stage.pid || !s->stage.set.complete)
		return 1;
	stage_promote(s);
	return 0;
}

/* Wait for the main child, running the --stop-delay, --grace and --refresh timers. */
static void run_until_child_exits(struct sup *s)
{
	while (!main_child_gone(s)) {
		long long t,
		        deadline = earliest(earliest(s->forward_at, s->kill_at), s->refresh_at);
		if (wait_events(s, deadline) < 0) {
			log_warn("poll: %s", strerror(errno));
			continue;
		}
		t = clock_ms();
		if (s->forward_at && t >= s->forward_at && s->child_status == -1) {
			s->forward_at = 0;
			forward(s, SIGTERM);
		}
		if (s->kill_at && t >= s->kill_at && s->child_status == -1) {
			s->kill_at = 0;
			log_event(LOG_WARN, "stop",
			          LOG_FIELDS(LOG_STR("step", "kill"), LOG_INT("child", s->child)),
			          "child %d still runs after --grace: sending SIGKILL to its group",
			          (int)s->child);
			kill(-s->child, SIGKILL);
		}
		if (s->refresh_at && t >= s->refresh_at && s->child_status == -1 && !s->checker &&
		    !s->stage.pid && !s->restarting)
			check_start(s);
	}
}

/* After the main child: SIGTERM what is left of its group, and with --grace wait for it
 * to go (then SIGKILL); without --grace the supervisor exits at once. */
static void stop_leftovers(struct sup *s)
{
	long long deadline;

	if (kill(-s->child, 0) < 0)
		return;
	log_event(LOG_INFO, "stop",
	          LOG_FIELDS(LOG_STR("step", "leftovers"), LOG_INT("child", s->child)),
	          "main child exited: sending SIGTERM to what is left of process group %d",
	          (int)s->child);
	kill(-s->child, SIGTERM);
	if (s->o->grace_ms <= 0)
		return;
	deadline = clock_ms() + s->o->grace_ms;
	while (kill(-s->child, 0) == 0) {
		if (clock_ms() >= deadline) {
			log_event(LOG_WARN, "stop",
			          LOG_FIELDS(LOG_STR("step", "kill"), LOG_INT("child", s->child)),
			          "process group %d still runs after --grace: sending SIGKILL",
			          (int)s->child);
			kill(-s->child, SIGKILL);
			return;
		}
		if (wait_events(s, deadline) < 0)
			return;
	}
}

/* Not PID 1: reap orphans all the same, quietly (DESIGN 3.2). */
static void become_subreaper(const struct shim_opts *o)
{
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_debug("cannot become a child subreaper: %s", strerror(errno));
	if (o->subreaper)
		log_debug("-s: subreaping is automatic (PID 1, else a child subreaper)");
}

/* --refresh needs the resolver as the child, and argv for its two internal modes. */
static void refresh_setup(struct sup *s, char *const argv[], int resolver)
{
	if (!s->o->refresh_ms)
		return;
	if (!resolver) {
		log_warn("--refresh: nothing to resolve (no mapping, no reference in the "
		         "environment): no refresh");
		return;
	}
	s->argv_go = argv_with(argv, s->fdarg);
	s->argv_check = argv_with(argv, "--digest");
	s->cwd = getcwd(NULL, 0);
	if (!s->argv_go || !s->argv_check || !s->cwd) {
		log_warn("--refresh: out of memory: no refresh");
		return;
	}
	s->refresh_on = 1;
}

static void refresh_free(struct sup *s)
{
	if (s->checker)
		kill(s->checker, SIGKILL);
	if (s->stage.pid && s->stage.pid != s->child)
		kill(s->stage.pid, SIGKILL);
	stage_clear(s);
	if (s->check_fd >= 0)
		close(s->check_fd);
	refresh_set_free(&s->check);
	refresh_set_free(&s->running);
	free(s->argv_go);
	free(s->argv_check);
	free(s->cwd);
}

/* The first child: through a stage with --refresh (its digests, then the go-ahead). */
static pid_t spawn_first(struct sup *s, char *const argv[], int take_tty)
{
	pid_t pid;

	if (s->refresh_on)
		return stage_start(s, take_tty);
	pid = fork();
	if (pid == 0)
		child_exec(s->file, argv, s->exec_how, s->mask, s->ttin, s->ttou, take_tty);
	if (pid > 0)
		setpgid(pid, pid); /* also here, so no signal can race the child's own call */
	return pid;
}

/* PID 1's last line: the exit event, at debug level like the child's exit (a PID 1 is quiet
 * by default; the orchestrator records the status anyway). */
static void log_exit(struct sup *s, int status)
{
	int raw = supervise_exit_status(s->child_status);

	log_event(LOG_DEBUG, "exit",
	          LOG_FIELDS(LOG_INT("status", status), LOG_INT("child_status", raw),
	                     LOG_INT("child", s->child)),
	          "child %d exited with status %d; exiting with %d", (int)s->child, raw, status);
}

int supervise_run(const struct shim_opts *o, const char *file, char *const argv[], int search_path,
                  int resolver)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_ttin, old_ttou;
	struct sup s = {.o = o,
	                .child_status = -1,
	                .sfd = -1,
	                .file = file,
	                /* The application may be a script without "#!"; the resolver is not. */
	                .exec_how = (search_path ? SHIM_EXEC_SEARCH : 0) |
	                            (resolver ? 0 : SHIM_EXEC_SCRIPT),
	                .stage.fd = -1,
	                .check_fd = -1};
	sigset_t all, old;
	int status;

	/* Everything is blocked and read from the signalfd; a real fault still kills us,
	 * as the kernel unblocks synchronous signals. TTIN/TTOU are ignored, as tini does,
	 * so a PID 1 that lost the terminal's foreground never stops on a write. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	sigaction(SIGTTIN, &ign, &old_ttin);
	sigaction(SIGTTOU, &ign, &old_ttou);
	s.mask = &old;
	s.ttin = &old_ttin;
	s.ttou = &old_ttou;
	sigdelset(&all, SIGTTIN);
	sigdelset(&all, SIGTTOU);
	s.sfd = signalfd(-1, &all, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.sfd < 0) {
		log_error("signalfd: %s", strerror(errno));
		return SHIM_EX_INTERNAL;
	}
	become_subreaper(o);
	refresh_setup(&s, argv, resolver);

	s.child = spawn_first(&s, argv, tty_is_ours());
	if (s.child < 0) {
		log_error("fork: %s", strerror(errno));
		refresh_free(&s);
		return SHIM_EX_INTERNAL;
	}
	/* The child keeps the start directory; PID 1 must not pin a mount for its whole life
	 * (later children go back to it by name: s.cwd). */
	if (chdir("/") < 0)
		log_debug("chdir /: %s", strerror(errno));

	run_until_child_exits(&s);
	if (tcgetpgrp(STDIN_FILENO) == s.child)
		tty_give(getpgrp()); /* the foreground back to the group that had it */
	refresh_free(&s);
	stop_leftovers(&s);
	close(s.sfd);
	status = supervise_exit_status(s.child_status);
	if (opts_remaps(o, status)) {
		log_debug("child status %d remapped to 0 (--remap-exit)", status);
		status = 0;
	}
	log_exit(&s, status);
	return status;
}
