/* The supervisor loop. All signals are blocked and read from a signalfd with no timeout
 * unless a stop step is due, so an idle PID 1 never wakes. Before the fork it may fail
 * loudly; after the fork it only warns, because the child must never be orphaned. It also
 * owns job control at a terminal: the foreground, and stopping with the child (Ctrl-Z). */
#include "supervise.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sup {
	const struct shim_opts *o;
	pid_t child;          /* also its process group id */
	int child_status;     /* wait status once reaped, -1 before */
	long long forward_at; /* --stop-delay: forward the pending SIGTERM at this time */
	long long kill_at;    /* --grace: SIGKILL the group at this time */
	int sfd;
	int job_stopped; /* the terminal stopped the child's group; SIGCONT resumes it */
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
	const char *abbrev = sigabbrev_np(sig);

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
static void child_exec(const char *file, char *const argv[], int search_path, const sigset_t *mask,
                       const struct sigaction *ttin, const struct sigaction *ttou, int take_tty)
{
	int status;

	setpgid(0, 0);
	if (take_tty)
		tty_give(getpgrp());
	sigaction(SIGTTIN, ttin, NULL);
	sigaction(SIGTTOU, ttou, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (search_path)
		execvp(file, argv);
	else
		execv(file, argv);
	status = shim_exec_status(errno);
	log_error("cannot run \"%s\": %s", file, strerror(errno));
	_exit(status);
}

static int is_stop_signal(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
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
		log_msg(loud ? LOG_INFO : LOG_DEBUG, "forwarded %s to %s %d for %s (--rewrite)",
		        sig_name(out), s->o->group ? "process group" : "child", (int)s->child,
		        sig_name(sig));
	else
		log_msg(loud ? LOG_INFO : LOG_DEBUG, "forwarded %s to %s %d", sig_name(sig),
		        s->o->group ? "process group" : "child", (int)s->child);
	if (loud && s->o->grace_ms > 0 && !s->kill_at) {
		s->kill_at = clock_ms() + s->o->grace_ms;
		log_info("will SIGKILL process group %d if it still runs in %ld ms (--grace)",
		         (int)s->child, s->o->grace_ms);
	}
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
	if (sig == SIGTERM && s->o->stop_delay_ms > 0) {
		if (!s->forward_at) {
			s->forward_at = clock_ms() + s->o->stop_delay_ms;
			log_info("received SIGTERM: forwarding it in %ld ms (--stop-delay)",
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
	struct pollfd pfd = {.fd = s->sfd, .events = POLLIN};
	long long left = deadline ? deadline - clock_ms() : -1;

	if (deadline && left < 0)
		left = 0;
	if (poll(&pfd, 1, (int)(left > 86400000 ? 86400000 : left)) < 0 && errno != EINTR)
		return -1;
	drain_signals(s);
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

/* Wait for the main child, running the --stop-delay and --grace timers. */
static void run_until_child_exits(struct sup *s)
{
	while (s->child_status == -1) {
		if (wait_events(s, earliest(s->forward_at, s->kill_at)) < 0) {
			log_warn("poll: %s", strerror(errno));
			continue;
		}
		long long t = clock_ms();
		if (s->forward_at && t >= s->forward_at && s->child_status == -1) {
			s->forward_at = 0;
			forward(s, SIGTERM);
		}
		if (s->kill_at && t >= s->kill_at && s->child_status == -1) {
			s->kill_at = 0;
			log_warn("child %d still runs after --grace: sending SIGKILL to its group",
			         (int)s->child);
			kill(-s->child, SIGKILL);
		}
	}
}

/* After the main child: SIGTERM what is left of its group, and with --grace wait for it
 * to go (then SIGKILL); without --grace the supervisor exits at once. */
static void stop_leftovers(struct sup *s)
{
	long long deadline;

	if (kill(-s->child, 0) < 0)
		return;
	log_info("main child exited: sending SIGTERM to what is left of process group %d",
	         (int)s->child);
	kill(-s->child, SIGTERM);
	if (s->o->grace_ms <= 0)
		return;
	deadline = clock_ms() + s->o->grace_ms;
	while (kill(-s->child, 0) == 0) {
		if (clock_ms() >= deadline) {
			log_warn("process group %d still runs after --grace: sending SIGKILL",
			         (int)s->child);
			kill(-s->child, SIGKILL);
			return;
		}
		if (wait_events(s, deadline) < 0)
			return;
	}
}

int supervise_run(const struct shim_opts *o, const char *file, char *const argv[], int search_path)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_ttin, old_ttou;
	struct sup s = {.o = o, .child_status = -1, .sfd = -1};
	sigset_t all, old;
	int status, take_tty;

	/* Everything is blocked and read from the signalfd; a real fault still kills us,
	 * as the kernel unblocks synchronous signals. TTIN/TTOU are ignored, as tini does,
	 * so a PID 1 that lost the terminal's foreground never stops on a write. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	sigaction(SIGTTIN, &ign, &old_ttin);
	sigaction(SIGTTOU, &ign, &old_ttou);
	sigdelset(&all, SIGTTIN);
	sigdelset(&all, SIGTTOU);
	s.sfd = signalfd(-1, &all, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.sfd < 0) {
		log_error("signalfd: %s", strerror(errno));
		return SHIM_EX_INTERNAL;
	}
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_debug("cannot become a child subreaper: %s", strerror(errno));
	if (o->subreaper)
		log_debug("-s: subreaping is automatic (PID 1, else a child subreaper)");

	take_tty = tty_is_ours();
	s.child = fork();
	if (s.child < 0) {
		log_error("fork: %s", strerror(errno));
		return SHIM_EX_INTERNAL;
	}
	if (s.child == 0)
		child_exec(file, argv, search_path, &old, &old_ttin, &old_ttou, take_tty);
	setpgid(s.child, s.child); /* also here, so no signal can race the child's own call */
	/* The child keeps the start directory; PID 1 must not pin a mount for its whole life. */
	if (chdir("/") < 0)
		log_debug("chdir /: %s", strerror(errno));

	run_until_child_exits(&s);
	if (tcgetpgrp(STDIN_FILENO) == s.child)
		tty_give(getpgrp()); /* the foreground back to the group that had it */
	stop_leftovers(&s);
	close(s.sfd);
	status = supervise_exit_status(s.child_status);
	if (opts_remaps(o, status)) {
		log_debug("child status %d remapped to 0 (--remap-exit)", status);
		status = 0;
	}
	return status;
}
